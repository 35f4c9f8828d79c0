#pragma once
// Tensor images to PNG files. Pixel values in [-1, 1] map to 0..255 as round((v + 1) * 127.5), clamped.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace genai::image {

struct GrayImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> pixels;  // row-major, one byte per pixel
};

struct RgbImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> pixels;  // row-major, 3 bytes per pixel
};

// Gray or RGB, as genai's images come: what grids and sample files are.
struct Image {
  int64_t width = 0;
  int64_t height = 0;
  int64_t channels = 1;         // 1 (gray) or 3 (RGB)
  std::vector<uint8_t> pixels;  // row-major, `channels` interleaved bytes per pixel
};

// Images in [-1, 1] to bytes, round((v + 1) * 127.5) clamped to 0..255: uint8, same shape, on the CPU.
torch::Tensor to_bytes(const torch::Tensor& images);

// One [1, H, W] or [H, W] image in [-1, 1] to 8-bit gray.
GrayImage to_gray(const torch::Tensor& image);
// One [C, H, W] image in [-1, 1] (C = 1 or 3) to 8-bit gray or RGB.
Image to_image(const torch::Tensor& image);
// The same from bytes already made (uint8 [C, H, W], as to_bytes gives them).
Image bytes_to_image(const torch::Tensor& bytes);

// Tiles [B, C, H, W] images (C = 1 or 3) into rows of `nrow` cells with `padding` pixels of value `pad_value` between
// and around them (torchvision's make_grid layout).
inline constexpr int64_t kGridPadding = 2;
inline constexpr uint8_t kGridPadValue = 0;
Image make_grid(const torch::Tensor& images, int64_t nrow, int64_t padding = kGridPadding, uint8_t pad_value = kGridPadValue);

// PNG bytes of an image (for files and for TensorBoard's image summaries). Throws RuntimeError on failure.
std::vector<uint8_t> encode_png(const GrayImage& image);
std::vector<uint8_t> encode_png(const Image& image);

// Encodes and writes atomically (temp file + rename). Throws genai::RuntimeError on failure.
void write_png(const std::string& path, const GrayImage& image);
void write_png(const std::string& path, const RgbImage& image);
void write_png(const std::string& path, const Image& image);
// One PNG per image of [B, C, H, W] into `directory` (created if missing): 000000.png, 000001.png, ...
void write_pngs(const std::string& directory, const torch::Tensor& images);

}  // namespace genai::image
