#include "genai/export/idx_dataset.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstring>
#include <filesystem>

#include "genai/data/idx.h"
#include "genai/error.h"
#include "genai/image/png.h"
#include "genai/models/sampling.h"

namespace genai::exporting {
namespace {

// G's images for `count` noise vectors drawn from `seed`, in chunks of 1,000, as bytes on the CPU ([n, C, S, S]).
void for_each_chunk(models::Generator& generator, int64_t z_dim, const torch::Tensor& labels, int64_t count, uint64_t seed, torch::Device device,
                    const std::function<void(const std::string&)>& progress, const std::function<void(int64_t, const torch::Tensor&)>& take) {
  models::EvalModeGuard eval_mode(generator);
  torch::NoGradGuard no_grad;
  auto noise_generator = at::detail::createCPUGenerator(seed);
  constexpr int64_t kChunk = 1000;
  int64_t next_report = count / 10;
  for (int64_t done = 0; done < count; done += kChunk) {
    const int64_t n = std::min(kChunk, count - done);
    const auto z = torch::randn({n, z_dim}, noise_generator, torch::kFloat32).to(device);
    const auto chunk_labels = labels.defined() ? labels.narrow(0, done, n).to(device) : torch::Tensor();
    take(done, image::to_bytes(generator.forward(z, chunk_labels)).contiguous());
    if (progress && done + n >= next_report && done + n < count) {
      progress("generated " + std::to_string(done + n) + " / " + std::to_string(count) + " images");
      next_report += count / 10;
    }
  }
}

}  // namespace

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
  data::IdxArray images{{count, kMnistShape.size, kMnistShape.size}, std::vector<uint8_t>(static_cast<size_t>(count * kMnistShape.values()))};
  data::IdxArray label_bytes{{count}, std::vector<uint8_t>(static_cast<size_t>(count), 0)};
  if (labels.defined()) {
    const auto l = labels.to(torch::kCPU, torch::kUInt8).contiguous();
    std::memcpy(label_bytes.bytes.data(), l.data_ptr<uint8_t>(), static_cast<size_t>(count));
  }

  for_each_chunk(generator, z_dim, labels, count, seed, device, progress, [&](int64_t done, const torch::Tensor& bytes) {
    if (bytes.size(1) != 1 || bytes.size(2) != kMnistShape.size || bytes.size(3) != kMnistShape.size)
      throw UsageError("--format idx writes 1x28x28 images; this generator makes " + std::to_string(bytes.size(1)) + "x" +
                       std::to_string(bytes.size(2)) + "x" + std::to_string(bytes.size(3)) + " ones: use --format folder");
    std::memcpy(images.bytes.data() + done * kMnistShape.values(), bytes.data_ptr<uint8_t>(), static_cast<size_t>(bytes.numel()));
  });
  const std::string ext = gzip ? ".gz" : "";
  const auto images_path = (std::filesystem::path(directory) / ("train-images-idx3-ubyte" + ext)).string();
  const auto labels_path = (std::filesystem::path(directory) / ("train-labels-idx1-ubyte" + ext)).string();
  data::write_idx(images_path, images);
  data::write_idx(labels_path, label_bytes);
  if (progress) progress("wrote " + std::to_string(count) + " images to " + images_path + (labels.defined() ? " with labels" : ""));
  return {images_path, labels_path};
}

std::string export_image_folder(models::Generator& generator, int64_t z_dim, const torch::Tensor& labels, int64_t count, uint64_t seed,
                                torch::Device device, const std::string& directory, const std::vector<std::string>& class_names,
                                const std::function<void(const std::string&)>& progress) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(directory, ec) && !(fs::is_directory(directory, ec) && fs::is_empty(directory, ec)))
    throw UsageError("--out " + directory + " exists and is not an empty directory; choose a new directory for the images");
  fs::create_directories(directory, ec);
  if (ec) throw file_error(directory, "cannot create the output directory; choose another --out");
  const auto label_values = labels.defined() ? labels.to(torch::kCPU, torch::kInt64).contiguous() : torch::Tensor();
  auto folder_of = [&](int64_t i) -> fs::path {
    if (!label_values.defined()) return fs::path(directory);
    const int64_t c = label_values.data_ptr<int64_t>()[i];
    return fs::path(directory) / (c < static_cast<int64_t>(class_names.size()) && !class_names[static_cast<size_t>(c)].empty()
                                      ? class_names[static_cast<size_t>(c)]
                                      : std::to_string(c));
  };
  for_each_chunk(generator, z_dim, labels, count, seed, device, progress, [&](int64_t done, const torch::Tensor& bytes) {
    for (int64_t i = 0; i < bytes.size(0); ++i) {
      const auto folder = folder_of(done + i);
      fs::create_directories(folder, ec);
      char name[32];
      std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(done + i));
      image::write_png((folder / name).string(), image::bytes_to_image(bytes[i]));
    }
  });
  if (progress) progress("wrote " + std::to_string(count) + " PNG images to " + directory + (labels.defined() ? " in class folders" : ""));
  return directory;
}

}  // namespace genai::exporting
