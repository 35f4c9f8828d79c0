#include "genai/image/png.h"

#include <gtest/gtest.h>
#include <stb_image.h>

#include "genai/image/plot.h"
#include "support.h"

namespace genai::image {
namespace {

struct Decoded {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

Decoded read_png(const std::string& path, int channels) {
  Decoded d;
  unsigned char* data = stbi_load(path.c_str(), &d.width, &d.height, &d.channels, channels);
  if (data) d.pixels.assign(data, data + d.width * d.height * channels);
  stbi_image_free(data);
  return d;
}

TEST(Png, GridOfAKnownTensorReadsBackPixelByPixel) {
  genai::testing::TempDir dir;
  // Three 2x3 images: all -1, all 1, and a ramp; 2 per row, 2 px padding of value 0.
  auto images =
      torch::stack({torch::full({1, 2, 3}, -1.0), torch::full({1, 2, 3}, 1.0), torch::tensor({-1.0, -0.5, 0.0, 0.5, 1.0, 2.0}).view({1, 2, 3})});
  write_png(dir.file("grid.png"), make_grid(images, 2));
  auto png = read_png(dir.file("grid.png"), 1);
  ASSERT_EQ(png.width, 2 * (3 + 2) + 2);   // 12
  ASSERT_EQ(png.height, 2 * (2 + 2) + 2);  // 10
  EXPECT_EQ(png.channels, 1);              // 8-bit grayscale
  auto at = [&](int x, int y) { return png.pixels[static_cast<size_t>(y * png.width + x)]; };
  EXPECT_EQ(at(0, 0), 0);    // padding
  EXPECT_EQ(at(2, 2), 0);    // image 0: -1 -> 0
  EXPECT_EQ(at(7, 2), 255);  // image 1: 1 -> 255
  EXPECT_EQ(at(6, 2), 0);    // padding between cells
  // image 2 starts at (2, 6): round((v + 1) * 127.5): -1 -> 0, -0.5 -> 64 (63.75), 0 -> 128 (127.5, half to even),
  // 0.5 -> 191 (191.25), 1 -> 255, 2 -> clamped 255
  EXPECT_EQ(at(2, 6), 0);
  EXPECT_EQ(at(3, 6), 64);
  EXPECT_EQ(at(4, 6), 128);
  EXPECT_EQ(at(2, 7), 191);
  EXPECT_EQ(at(3, 7), 255);
  EXPECT_EQ(at(4, 7), 255);
  EXPECT_EQ(at(7, 6), 0);  // the empty fourth cell stays padding
}

TEST(Png, SingleImageKeepsItsSize) {
  genai::testing::TempDir dir;
  write_png(dir.file("one.png"), to_gray(torch::zeros({1, 28, 28})));
  auto png = read_png(dir.file("one.png"), 1);
  EXPECT_EQ(png.width, 28);
  EXPECT_EQ(png.height, 28);
  EXPECT_EQ(png.pixels[0], 128);
}

TEST(Png, WriteIntoAMissingDirectoryFailsWithoutLeavingFiles) {
  EXPECT_THROW(write_png("/nonexistent-genai-dir/x.png", to_gray(torch::zeros({2, 2}))), std::runtime_error);
}

TEST(Plot, LossCurveDrawsBothSeriesInTheirColours) {
  genai::testing::TempDir dir;
  std::vector<LossPoint> points;
  for (int i = 0; i <= 20; ++i) points.push_back({i * 100, 1.0 + 0.02 * i, 2.0 - 0.05 * i});
  write_png(dir.file("loss.png"), plot_losses(points, 400, 200));
  auto png = read_png(dir.file("loss.png"), 3);
  ASSERT_EQ(png.width, 400);
  ASSERT_EQ(png.height, 200);
  int blue = 0, orange = 0;
  for (size_t i = 0; i + 2 < png.pixels.size(); i += 3) {
    if (png.pixels[i] == 31 && png.pixels[i + 1] == 119 && png.pixels[i + 2] == 180) ++blue;
    if (png.pixels[i] == 255 && png.pixels[i + 1] == 127 && png.pixels[i + 2] == 14) ++orange;
  }
  EXPECT_GT(blue, 300);  // a line across ~320 px, 2 px thick, plus the legend swatch
  EXPECT_GT(orange, 300);
}

}  // namespace
}  // namespace genai::image
