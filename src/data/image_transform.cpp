#include "genai/data/image_transform.h"

#include <algorithm>
#include <cmath>

namespace genai::data {
namespace {

// One axis of an area resize: output pixel o covers input [o * scale, (o + 1) * scale) of the cropped range; each
// input pixel it touches contributes its overlap. Stored as (first input index, weights) per output pixel.
struct AxisWeights {
  std::vector<int64_t> first;
  std::vector<std::vector<float>> weights;
};

AxisWeights axis_weights(int64_t in, int64_t offset, int64_t out) {
  AxisWeights a;
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  a.first.resize(static_cast<size_t>(out));
  a.weights.resize(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const double lo = static_cast<double>(o) * scale, hi = lo + scale;
    const int64_t begin = static_cast<int64_t>(std::floor(lo)), end = std::min<int64_t>(in, static_cast<int64_t>(std::ceil(hi)));
    auto& w = a.weights[static_cast<size_t>(o)];
    double total = 0;
    for (int64_t i = begin; i < end; ++i) {
      const double overlap = std::min(hi, static_cast<double>(i + 1)) - std::max(lo, static_cast<double>(i));
      w.push_back(static_cast<float>(overlap));
      total += overlap;
    }
    for (auto& v : w) v = static_cast<float>(v / total);
    a.first[static_cast<size_t>(o)] = begin + offset;
  }
  return a;
}

// value(c, y, x) reads one input channel value (after channel conversion) at absolute coordinates.
template <class Value>
void resize_into(int64_t height, int64_t width, int64_t size, int64_t channels, const Value& value, uint8_t* out) {
  const int64_t side = std::min(height, width);
  const AxisWeights ys = axis_weights(side, (height - side) / 2, size), xs = axis_weights(side, (width - side) / 2, size);
  std::vector<float> row(static_cast<size_t>(size));  // one output row's horizontal pass, per input row
  std::vector<float> acc(static_cast<size_t>(size));
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t oy = 0; oy < size; ++oy) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      const auto& wy = ys.weights[static_cast<size_t>(oy)];
      for (size_t j = 0; j < wy.size(); ++j) {
        const int64_t y = ys.first[static_cast<size_t>(oy)] + static_cast<int64_t>(j);
        for (int64_t ox = 0; ox < size; ++ox) {
          const auto& wx = xs.weights[static_cast<size_t>(ox)];
          float sum = 0;
          for (size_t i = 0; i < wx.size(); ++i) sum += wx[i] * value(c, y, xs.first[static_cast<size_t>(ox)] + static_cast<int64_t>(i));
          acc[static_cast<size_t>(ox)] += wy[j] * sum;
        }
      }
      for (int64_t ox = 0; ox < size; ++ox)
        out[(c * size + oy) * size + ox] = static_cast<uint8_t>(std::clamp(std::lround(acc[static_cast<size_t>(ox)]), 0L, 255L));
    }
  }
}

float luma(float r, float g, float b) { return 0.299f * r + 0.587f * g + 0.114f * b; }

}  // namespace

void transform_image(const PixelBuffer& in, int64_t size, int64_t channels, uint8_t* out) {
  const int64_t w = in.width, ch = in.channels;
  const uint8_t* p = in.pixels;
  auto at = [&](int64_t c, int64_t y, int64_t x) { return static_cast<float>(p[(y * w + x) * ch + c]); };
  if (ch == channels) {
    resize_into(in.height, in.width, size, channels, at, out);
  } else if (channels == 3) {  // gray -> RGB
    resize_into(
        in.height, in.width, size, 3, [&](int64_t, int64_t y, int64_t x) { return at(0, y, x); }, out);
  } else {  // RGB -> gray
    resize_into(
        in.height, in.width, size, 1, [&](int64_t, int64_t y, int64_t x) { return luma(at(0, y, x), at(1, y, x), at(2, y, x)); }, out);
  }
}

void transform_planar(const uint8_t* chw, int64_t channels, int64_t height, int64_t width, int64_t size, int64_t out_channels, uint8_t* out) {
  const int64_t plane = height * width;
  auto at = [&](int64_t c, int64_t y, int64_t x) { return static_cast<float>(chw[c * plane + y * width + x]); };
  if (channels == out_channels) {
    if (height == size && width == size) {
      std::copy(chw, chw + channels * plane, out);
      return;
    }
    resize_into(height, width, size, channels, at, out);
  } else if (out_channels == 3) {
    resize_into(
        height, width, size, 3, [&](int64_t, int64_t y, int64_t x) { return at(0, y, x); }, out);
  } else {
    resize_into(
        height, width, size, 1, [&](int64_t, int64_t y, int64_t x) { return luma(at(0, y, x), at(1, y, x), at(2, y, x)); }, out);
  }
}

}  // namespace genai::data
