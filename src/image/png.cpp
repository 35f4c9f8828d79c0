#include "genai/image/png.h"

#include <stb_image_write.h>

#include <cstdio>
#include <filesystem>

#include "genai/error.h"
#include "genai/util/atomic_file.h"

namespace genai::image {
namespace {

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

std::vector<uint8_t> encode(const std::string& what, int64_t width, int64_t height, int channels, const std::vector<uint8_t>& pixels) {
  std::vector<uint8_t> encoded;
  if (width < 1 || height < 1 ||
      !stbi_write_png_to_func(append_bytes, &encoded, static_cast<int>(width), static_cast<int>(height), channels, pixels.data(),
                              static_cast<int>(width * channels)))
    throw file_error(what, "PNG encoding failed");
  return encoded;
}

void encode_and_write(const std::string& path, int64_t width, int64_t height, int channels, const std::vector<uint8_t>& pixels) {
  const auto encoded = encode(path, width, height, channels, pixels);
  util::write_file_atomically(path, encoded.data(), encoded.size());
}

}  // namespace

torch::Tensor to_bytes(const torch::Tensor& images) {
  // Computed in float on the CPU, so every device gives the same bytes.
  return images.detach().to(torch::kCPU, torch::kFloat32).add(1.0).mul(127.5).round().clamp(0, 255).to(torch::kUInt8).contiguous();
}

void write_pngs(const std::string& directory, const torch::Tensor& images) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw file_error(directory, "cannot create directory: " + ec.message());
  for (int64_t i = 0; i < images.size(0); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(i));
    write_png((std::filesystem::path(directory) / name).string(), to_image(images[i]));
  }
}

GrayImage to_gray(const torch::Tensor& image) {
  auto bytes = to_bytes(image.dim() == 3 ? image.squeeze(0) : image);
  TORCH_CHECK(bytes.dim() == 2, "to_gray expects [1, H, W] or [H, W]");
  GrayImage out{bytes.size(1), bytes.size(0), {}};
  out.pixels.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  return out;
}

Image to_image(const torch::Tensor& image) { return bytes_to_image(to_bytes(image)); }

Image bytes_to_image(const torch::Tensor& bytes) {
  TORCH_CHECK(bytes.dim() == 3 && (bytes.size(0) == 1 || bytes.size(0) == 3) && bytes.scalar_type() == torch::kUInt8,
              "bytes_to_image expects uint8 [1, H, W] or [3, H, W]");
  const auto hwc = bytes.permute({1, 2, 0}).contiguous();  // HWC, as PNG interleaves them
  Image out{hwc.size(1), hwc.size(0), hwc.size(2), {}};
  out.pixels.assign(hwc.data_ptr<uint8_t>(), hwc.data_ptr<uint8_t>() + hwc.numel());
  return out;
}

Image make_grid(const torch::Tensor& images, int64_t nrow, int64_t padding, uint8_t pad_value) {
  TORCH_CHECK(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3), "make_grid expects [B, 1, H, W] or [B, 3, H, W]");
  const auto bytes = to_bytes(images).permute({0, 2, 3, 1}).contiguous();  // [B, H, W, C]
  const int64_t count = bytes.size(0), h = bytes.size(1), w = bytes.size(2), c = bytes.size(3);
  const int64_t cols = std::max<int64_t>(1, std::min(nrow, count));
  const int64_t rows = (count + cols - 1) / cols;
  Image grid;
  grid.width = cols * (w + padding) + padding;
  grid.height = rows * (h + padding) + padding;
  grid.channels = c;
  grid.pixels.assign(static_cast<size_t>(grid.width * grid.height * c), pad_value);
  const uint8_t* src = bytes.data_ptr<uint8_t>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t top = padding + (i / cols) * (h + padding), left = padding + (i % cols) * (w + padding);
    for (int64_t y = 0; y < h; ++y) std::copy_n(src + ((i * h + y) * w) * c, w * c, grid.pixels.begin() + ((top + y) * grid.width + left) * c);
  }
  return grid;
}

std::vector<uint8_t> encode_png(const GrayImage& image) { return encode("PNG image", image.width, image.height, 1, image.pixels); }
std::vector<uint8_t> encode_png(const Image& image) {
  return encode("PNG image", image.width, image.height, static_cast<int>(image.channels), image.pixels);
}

void write_png(const std::string& path, const GrayImage& image) { encode_and_write(path, image.width, image.height, 1, image.pixels); }
void write_png(const std::string& path, const RgbImage& image) { encode_and_write(path, image.width, image.height, 3, image.pixels); }
void write_png(const std::string& path, const Image& image) {
  encode_and_write(path, image.width, image.height, static_cast<int>(image.channels), image.pixels);
}

}  // namespace genai::image
