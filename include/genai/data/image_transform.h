#pragma once
// The one transform every image source goes through when its shape is not the one asked for: a centre crop to a
// square (the shorter side), an area-averaging resize to the asked side (each output pixel the mean of the input
// area it covers; for enlargement the same formula interpolates), and a channel conversion (gray -> RGB repeats
// the channel; RGB -> gray is ITU-R BT.601 luma, 0.299 R + 0.587 G + 0.114 B, as PIL's "L").
#include <cstdint>
#include <vector>

namespace genai::data {

// An interleaved 8-bit image (HWC), as decoders produce them.
struct PixelBuffer {
  int64_t width = 0, height = 0, channels = 0;  // channels: 1 or 3
  const uint8_t* pixels = nullptr;              // width x height x channels bytes
};

// Crops, resizes and converts `in` into `out`: size x size x `channels` bytes in CHW (planar) order.
void transform_image(const PixelBuffer& in, int64_t size, int64_t channels, uint8_t* out);

// The same for planar [C, H, W] bytes (IDX and CIFAR records).
void transform_planar(const uint8_t* chw, int64_t channels, int64_t height, int64_t width, int64_t size, int64_t out_channels, uint8_t* out);

}  // namespace genai::data
