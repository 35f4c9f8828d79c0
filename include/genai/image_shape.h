#pragma once
// The shape of genai's images: channels (1 or 3) and one side (square images), a property of the data and the
// model, carried in the config and in every checkpoint. Shared by the data readers, the models and the
// exporters, so none of them includes another for it.
#include <cstdint>
#include <string>

namespace genai {

struct ImageShape {
  int64_t channels = 1;
  int64_t size = 28;  // height = width
  int64_t values() const { return channels * size * size; }
  std::string describe() const { return std::to_string(channels) + "x" + std::to_string(size) + "x" + std::to_string(size); }
  bool operator==(const ImageShape& other) const { return channels == other.channels && size == other.size; }
  bool operator!=(const ImageShape& other) const { return !(*this == other); }
};

// MNIST's and Fashion-MNIST's shape, and that of every checkpoint written before shapes were recorded.
inline constexpr ImageShape kMnistShape{1, 28};

// The largest side genai trains at, and the MLPs' (whose first and last layers grow with C x S x S).
inline constexpr int64_t kMaxImageSize = 256;
inline constexpr int64_t kMaxMlpImageSize = 128;

// The convolutional models' stride-2 stages: the side halves from `size` down to a base of 4 or 7 (28 -> 14 -> 7 keeps
// the original 28x28 DCGAN; 32 -> 16 -> 8 -> 4; 64 and 128 likewise down to 4). stages == 0: no such pyramid.
struct ConvPyramid {
  int64_t base = 0;
  int64_t stages = 0;
};
inline ConvPyramid conv_pyramid(int64_t size) {
  ConvPyramid p{size, 0};
  while (p.base != 4 && p.base != 7 && p.base > 7 && p.base % 2 == 0) {
    p.base /= 2;
    ++p.stages;
  }
  if ((p.base != 4 && p.base != 7) || p.stages == 0) return {};
  return p;
}

}  // namespace genai
