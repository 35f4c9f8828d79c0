#include "genai/train/augment.h"

namespace genai::train {
namespace {

constexpr double kBackground = -1.0;

// An integer in [0, n) per image from a uniform column: the conversion truncates, which is floor for these
// non-negative values, and the clamp catches a product that float rounding lifts to n.
torch::Tensor integers(const torch::Tensor& uniform, int64_t n) { return (uniform * static_cast<double>(n)).to(torch::kInt64).clamp_max_(n - 1); }

torch::Tensor translate(const torch::Tensor& x, const torch::Tensor& draws, const AugmentGrid& grid) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t kMaxShift = max_shift(h);
  const auto padded = torch::constant_pad_nd(x, {kMaxShift, kMaxShift, kMaxShift, kMaxShift}, kBackground);  // [B, C, H+6, W+6] at 28x28
  // Output pixel (i, j) reads padded (i + sy, j + sx) with sy, sx in [0, 2 * kMaxShift]: a shift of sy - kMaxShift.
  const auto rows = grid.rows.view({1, h}) + integers(draws.select(1, 0), 2 * kMaxShift + 1).view({b, 1});
  const auto cols = grid.cols.view({1, w}) + integers(draws.select(1, 1), 2 * kMaxShift + 1).view({b, 1});
  const auto shifted_rows = padded.gather(2, rows.view({b, 1, h, 1}).expand({b, c, h, w + 2 * kMaxShift}));
  return shifted_rows.gather(3, cols.view({b, 1, 1, w}).expand({b, c, h, w}));
}

torch::Tensor cut_out(const torch::Tensor& x, const torch::Tensor& draws, const AugmentGrid& grid) {
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  // The square covers rows [cy - 7, cy + 7) and columns [cx - 7, cx + 7) at 28x28, with cy in [0, H] and cx in [0, W].
  const auto cy = integers(draws.select(1, 2), h + 1).view({b, 1, 1, 1});
  const auto cx = integers(draws.select(1, 3), w + 1).view({b, 1, 1, 1});
  const auto i = grid.rows.view({1, 1, h, 1}), j = grid.cols.view({1, 1, 1, w});
  const int64_t half = cutout_side(h) / 2;
  const auto inside = (i >= cy - half) & (i < cy + half) & (j >= cx - half) & (j < cx + half);
  return x.masked_fill(inside, kBackground);
}

}  // namespace

AugmentPolicy augment_policy(Augment augment) {
  AugmentPolicy policy;
  policy.translation = translates(augment);
  policy.cutout = cuts_out(augment);
  return policy;
}

AugmentGrid::AugmentGrid(int64_t height, int64_t width, torch::Device device) {
  const auto options = torch::TensorOptions().dtype(torch::kInt64).device(device);
  rows = torch::arange(height, options);
  cols = torch::arange(width, options);
}

torch::Tensor augment(const torch::Tensor& images, const torch::Tensor& draws, AugmentPolicy policy, const AugmentGrid& grid) {
  TORCH_CHECK(grid.rows.size(0) == images.size(2) && grid.cols.size(0) == images.size(3), "augment: the grid is ", grid.rows.size(0), "x",
              grid.cols.size(0), ", the images ", images.size(2), "x", images.size(3));
  auto x = images;
  if (policy.translation) x = translate(x, draws, grid);
  if (policy.cutout) x = cut_out(x, draws, grid);
  return x;
}

torch::Tensor augment(const torch::Tensor& images, const torch::Tensor& draws, AugmentPolicy policy) {
  return augment(images, draws, policy, AugmentGrid(images.size(2), images.size(3), images.device()));
}

}  // namespace genai::train
