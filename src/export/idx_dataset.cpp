#include "genai/export/idx_dataset.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstring>
#include <filesystem>

#include "genai/data/idx.h"
#include "genai/error.h"
#include "genai/image/png.h"
#include "genai/models/sampling.h"

namespace genai::exporting {

void check_export_directory(const std::string& directory) {
  std::error_code ec;
  // Never overwrite or shadow a data set (genai reads a raw file before its .gz twin).
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"})
    for (const char* ext : {"", ".gz"})
      if (std::filesystem::exists(std::filesystem::path(directory) / (std::string(name) + ext), ec))
        throw UsageError("--out " + directory + " already holds " + name + ext + "; choose a new directory for the export");
}

std::vector<std::string> export_idx(models::Generator& generator, int64_t z_dim, const torch::Tensor& labels, int64_t count, uint64_t seed,
                                    torch::Device device, const std::string& directory, bool gzip,
                                    const std::function<void(const std::string&)>& progress) {
  if (labels.defined() && labels.numel() != count)
    throw RuntimeError("export_idx: " + std::to_string(labels.numel()) + " labels for " + std::to_string(count) + " images");
  check_export_directory(directory);
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec || !std::filesystem::is_directory(directory, ec)) throw file_error(directory, "cannot create the output directory; choose another --out");
  data::IdxArray images{{count, kImageSide, kImageSide}, std::vector<uint8_t>(static_cast<size_t>(count * kImagePixels))};
  data::IdxArray label_bytes{{count}, std::vector<uint8_t>(static_cast<size_t>(count), 0)};
  if (labels.defined()) {
    const auto l = labels.to(torch::kCPU, torch::kUInt8).contiguous();
    std::memcpy(label_bytes.bytes.data(), l.data_ptr<uint8_t>(), static_cast<size_t>(count));
  }

  models::EvalModeGuard eval_mode(generator);
  torch::NoGradGuard no_grad;
  auto noise_generator = at::detail::createCPUGenerator(seed);
  constexpr int64_t kChunk = 1000;
  int64_t next_report = count / 10;
  for (int64_t done = 0; done < count; done += kChunk) {
    const int64_t n = std::min(kChunk, count - done);
    const auto z = torch::randn({n, z_dim}, noise_generator, torch::kFloat32).to(device);
    const auto chunk_labels = labels.defined() ? labels.narrow(0, done, n).to(device) : torch::Tensor();
    const auto bytes = image::to_bytes(generator.forward(z, chunk_labels)).contiguous();
    std::memcpy(images.bytes.data() + done * kImagePixels, bytes.data_ptr<uint8_t>(), static_cast<size_t>(n * kImagePixels));
    if (progress && done + n >= next_report && done + n < count) {
      progress("generated " + std::to_string(done + n) + " / " + std::to_string(count) + " images");
      next_report += count / 10;
    }
  }
  const std::string ext = gzip ? ".gz" : "";
  const auto images_path = (std::filesystem::path(directory) / ("train-images-idx3-ubyte" + ext)).string();
  const auto labels_path = (std::filesystem::path(directory) / ("train-labels-idx1-ubyte" + ext)).string();
  data::write_idx(images_path, images);
  data::write_idx(labels_path, label_bytes);
  if (progress) progress("wrote " + std::to_string(count) + " images to " + images_path + (labels.defined() ? " with labels" : ""));
  return {images_path, labels_path};
}

}  // namespace genai::exporting
