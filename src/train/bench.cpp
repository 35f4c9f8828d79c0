#include "genai/train/bench.h"

#include <ATen/CPUGeneratorImpl.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>

#include "genai/models/dcgan.h"
#include "genai/models/gan.h"
#include "genai/train/trainer.h"

namespace genai::train {
namespace {

double linear_chain_flops(std::vector<int64_t> sizes) {
  double flops = 0;
  for (size_t i = 1; i < sizes.size(); ++i) flops += 2.0 * static_cast<double>(sizes[i - 1]) * static_cast<double>(sizes[i]);
  return flops;
}

void synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

// The convolutional models' FLOPs from their real layers (genai/models/dcgan.h's layout): 4x4 kernels, each stage
// doubling (G) or halving (D) the side.
double generator_forward_flops(const ModelConfig& m) {
  const ImageShape shape = image_shape(m);
  if (!is_convolutional(m.kind)) {
    std::vector<int64_t> sizes{m.z_dim};
    sizes.insert(sizes.end(), m.g_hidden.begin(), m.g_hidden.end());
    sizes.push_back(shape.values());
    return linear_chain_flops(sizes);
  }
  const auto layout = models::dcgan_layout(shape, m.dcgan_channels);
  const auto& w = layout.widths;
  double side = static_cast<double>(layout.base);
  double flops = 2.0 * m.z_dim * w.back() * side * side;  // project z -> deepest maps
  for (size_t i = w.size(); i-- > 0;) {                   // transposed conv w[i] -> w[i-1] (or the image), from side x side
    const double out = i > 0 ? static_cast<double>(w[i - 1]) : static_cast<double>(shape.channels);
    flops += 2.0 * static_cast<double>(w[i]) * out * 16 * side * side;
    side *= 2;
  }
  return flops;
}

double discriminator_forward_flops(const ModelConfig& m) {
  const ImageShape shape = image_shape(m);
  if (!is_convolutional(m.kind)) {
    std::vector<int64_t> sizes{shape.values()};
    sizes.insert(sizes.end(), m.d_hidden.begin(), m.d_hidden.end());
    sizes.push_back(1);
    return linear_chain_flops(sizes);
  }
  const auto layout = models::dcgan_layout(shape, m.dcgan_channels);
  const auto& w = layout.widths;
  double side = static_cast<double>(shape.size) / 2, flops = 0;
  for (size_t i = 0; i < w.size(); ++i, side /= 2) {  // conv (image or w[i-1]) -> w[i], to side x side
    const double in = i == 0 ? static_cast<double>(shape.channels) : static_cast<double>(w[i - 1]);
    flops += 2.0 * in * static_cast<double>(w[i]) * 16 * side * side;
  }
  return flops + 2.0 * static_cast<double>(w.back()) * static_cast<double>(layout.base * layout.base);  // linear -> 1
}

double generator_first_layer_flops(const ModelConfig& m) {
  if (!is_convolutional(m.kind)) return 2.0 * m.z_dim * (m.g_hidden.empty() ? image_shape(m).values() : m.g_hidden.front());
  const auto layout = models::dcgan_layout(image_shape(m), m.dcgan_channels);
  return 2.0 * m.z_dim * static_cast<double>(layout.widths.back() * layout.base * layout.base);
}

double discriminator_first_layer_flops(const ModelConfig& m) {
  const ImageShape shape = image_shape(m);
  if (!is_convolutional(m.kind)) return 2.0 * static_cast<double>(shape.values()) * (m.d_hidden.empty() ? 1 : m.d_hidden.front());
  const auto layout = models::dcgan_layout(shape, m.dcgan_channels);
  const double side = static_cast<double>(shape.size) / 2;
  return 2.0 * static_cast<double>(shape.channels * layout.widths.front()) * 16 * side * side;
}

double step_flops(const ModelConfig& model, int64_t batch_size) {
  return static_cast<double>(batch_size) * (3 * generator_forward_flops(model) - generator_first_layer_flops(model) +
                                            8 * discriminator_forward_flops(model) - 2 * discriminator_first_layer_flops(model));
}

double peak_rss_megabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports kilobytes
}

BenchResult benchmark_training_step(const TrainConfig& config, torch::Device device, const BenchSettings& settings) {
  // Random bytes in the model's shape, resident on the device like the real dataset.
  const int64_t n = std::max<int64_t>(4096, 4 * config.batch_size);
  const ImageShape shape = image_shape(config.model);
  data::ImageDataset dataset;
  auto generator = at::detail::createCPUGenerator(config.seed);
  dataset.images = torch::randint(0, 256, {n, shape.channels, shape.size, shape.size}, generator, torch::kUInt8).to(device);
  dataset.labels = torch::zeros({n}, torch::kInt64).to(device);
  Trainer trainer(config, std::move(dataset), device);
  trainer.use_hand_written_step(settings.hand_written_step);

  auto wait_turn = [&] {
    if (settings.wait_turn) settings.wait_turn();
  };
  auto turn_done = [&](int window, double it_per_s) {
    if (settings.turn_done) settings.turn_done(window, it_per_s);
  };

  // Warm-up: first-touch allocations, BLAS buffers, CUDA kernels; it also sizes the windows.
  wait_turn();
  int64_t warmup_steps = 0;
  auto start = Clock::now();
  while (warmup_steps < 3 || seconds_since(start) < settings.warmup_seconds) trainer.step(), ++warmup_steps;
  synchronize(device);
  const double rate = static_cast<double>(warmup_steps) / seconds_since(start);
  turn_done(-1, rate);

  BenchResult result;
  result.model = name(config.model.kind);
  result.g_norm = name(config.model.g_norm);
  result.batch_size = config.batch_size;
  result.shape = shape;
  result.steps_per_window = std::max<int64_t>(1, static_cast<int64_t>(rate * settings.window_seconds + 0.5));
  for (int w = 0; w < settings.windows; ++w) {
    wait_turn();
    start = Clock::now();
    for (int64_t s = 0; s < result.steps_per_window; ++s) trainer.step();
    synchronize(device);
    result.window_it_per_s.push_back(static_cast<double>(result.steps_per_window) / seconds_since(start));
    turn_done(w, result.window_it_per_s.back());
  }
  auto sorted = result.window_it_per_s;
  std::sort(sorted.begin(), sorted.end());
  result.it_per_s = sorted[sorted.size() / 2];
  result.img_per_s = result.it_per_s * static_cast<double>(config.batch_size);
  result.flops_per_step = step_flops(config.model, config.batch_size);
  result.gflop_per_s = result.flops_per_step * result.it_per_s / 1e9;
  result.peak_rss_mb = peak_rss_megabytes();
  return result;
}

}  // namespace genai::train
