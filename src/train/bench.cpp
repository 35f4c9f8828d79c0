#include "genai/train/bench.h"

#include <ATen/CPUGeneratorImpl.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>

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

double generator_forward_flops(const ModelConfig& m) {
  if (!is_convolutional(m.kind)) {
    std::vector<int64_t> sizes{m.z_dim};
    sizes.insert(sizes.end(), m.g_hidden.begin(), m.g_hidden.end());
    sizes.push_back(models::kImagePixels);
    return linear_chain_flops(sizes);
  }
  const double c = static_cast<double>(m.dcgan_channels);
  return 2.0 * m.z_dim * 2 * c * 49   // project z -> 2C x 7 x 7
         + 2.0 * 2 * c * c * 16 * 49  // transposed conv 2C -> C, 4x4 kernel, from 7x7
         + 2.0 * c * 1 * 16 * 196;    // transposed conv C -> 1, 4x4 kernel, from 14x14
}

double discriminator_forward_flops(const ModelConfig& m) {
  if (!is_convolutional(m.kind)) {
    std::vector<int64_t> sizes{models::kImagePixels};
    sizes.insert(sizes.end(), m.d_hidden.begin(), m.d_hidden.end());
    sizes.push_back(1);
    return linear_chain_flops(sizes);
  }
  const double c = static_cast<double>(m.dcgan_channels);
  return 2.0 * 1 * c * 16 * 196       // conv 1 -> C, 4x4 kernel, to 14x14
         + 2.0 * c * 2 * c * 16 * 49  // conv C -> 2C, 4x4 kernel, to 7x7
         + 2.0 * 2 * c * 49;          // linear 2C x 7 x 7 -> 1
}

double generator_first_layer_flops(const ModelConfig& m) {
  if (!is_convolutional(m.kind)) return 2.0 * m.z_dim * (m.g_hidden.empty() ? models::kImagePixels : m.g_hidden.front());
  return 2.0 * m.z_dim * 2 * static_cast<double>(m.dcgan_channels) * 49;
}

double discriminator_first_layer_flops(const ModelConfig& m) {
  if (!is_convolutional(m.kind)) return 2.0 * models::kImagePixels * (m.d_hidden.empty() ? 1 : m.d_hidden.front());
  return 2.0 * static_cast<double>(m.dcgan_channels) * 16 * 196;
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
  // Random data shaped like MNIST, resident on the device like the real dataset.
  const int64_t n = std::max<int64_t>(4096, 4 * config.batch_size);
  data::ImageDataset dataset;
  auto generator = at::detail::createCPUGenerator(config.seed);
  dataset.images = (torch::rand({n, 1, models::kImageSide, models::kImageSide}, generator) * 2 - 1).to(device);
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
  result.g_norm = config.model.g_norm;
  result.batch_size = config.batch_size;
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
