// DiffAugment's translation and cutout against hand-placed pixels, and their gradients.
#include "genai/train/augment.h"

#include <gtest/gtest.h>

namespace genai::train {
namespace {

// One image, background -1, one bright pixel at (row, col).
torch::Tensor dot_image(int64_t row, int64_t col) {
  auto x = torch::full({1, 1, 28, 28}, -1.0f);
  x[0][0][row][col] = 1.0f;
  return x;
}

// A uniform that floors to `k` out of `n`.
float pick(int64_t k, int64_t n) { return (static_cast<float>(k) + 0.5f) / static_cast<float>(n); }

TEST(Augment, PolicyNames) {
  EXPECT_FALSE(augment_policy(Augment::kNone).any());
  EXPECT_TRUE(augment_policy(Augment::kTranslation).translation);
  EXPECT_FALSE(augment_policy(Augment::kTranslation).cutout);
  const auto both = augment_policy(Augment::kTranslationCutout);
  EXPECT_TRUE(both.translation && both.cutout);
}

TEST(Augment, TranslationMovesThePixelByHandAndFillsWithBackground) {
  // sy = 5, sx = 1 of 0..6: out(i, j) = x(i + 2, j - 2), so the pixel at (10, 10) lands on (8, 12).
  const auto draws = torch::tensor({{pick(5, 7), pick(1, 7), 0.0f, 0.0f}});
  const auto out = augment(dot_image(10, 10), draws, augment_policy(Augment::kTranslation));
  EXPECT_TRUE(torch::equal(out, dot_image(8, 12)));
  // Shifted off the edge: a pixel at row 0 moved up by 2 is gone, and what came in is background.
  const auto gone = augment(dot_image(0, 5), draws, augment_policy(Augment::kTranslation));
  EXPECT_TRUE(torch::equal(gone, torch::full({1, 1, 28, 28}, -1.0f)));
  // sy = sx = 3 is no shift at all.
  const auto still = torch::tensor({{pick(3, 7), pick(3, 7), 0.0f, 0.0f}});
  const auto x = torch::rand({1, 1, 28, 28});
  EXPECT_TRUE(torch::equal(augment(x, still, augment_policy(Augment::kTranslation)), x));
}

TEST(Augment, EachImageOfTheBatchGetsItsOwnDraws) {
  const auto x = torch::cat({dot_image(10, 10), dot_image(10, 10)});
  const auto draws = torch::tensor({{pick(3, 7), pick(3, 7), 0.0f, 0.0f}, {pick(6, 7), pick(0, 7), 0.0f, 0.0f}});
  const auto out = augment(x, draws, augment_policy(Augment::kTranslation));
  EXPECT_TRUE(torch::equal(out[0], dot_image(10, 10)[0]));
  EXPECT_TRUE(torch::equal(out[1], dot_image(7, 13)[0]));  // out(i, j) = x(i + 3, j - 3)
}

TEST(Augment, CutoutBlanksAClippedSquareAndPassesGradientsElsewhere) {
  // Centre row 14 of 0..28, column 0: rows 7..20 and columns 0..6 (the square's left half is outside): 14 x 7.
  const auto draws = torch::tensor({{0.0f, 0.0f, pick(14, 29), pick(0, 29)}});
  auto x = torch::ones({1, 1, 28, 28}).requires_grad_(true);
  const auto out = augment(x, draws, augment_policy(Augment::kCutout));
  EXPECT_EQ((out == -1).sum().item<int64_t>(), 14 * 7);
  EXPECT_EQ(out[0][0][7][0].item<float>(), -1.0f);
  EXPECT_EQ(out[0][0][20][6].item<float>(), -1.0f);
  EXPECT_EQ(out[0][0][21][6].item<float>(), 1.0f);
  EXPECT_EQ(out[0][0][7][7].item<float>(), 1.0f);
  out.sum().backward();
  EXPECT_EQ(x.grad().sum().item<float>(), 784.0f - 98.0f);  // d out / d x: 1 where kept, 0 under the square
}

TEST(Augment, TranslationGradientIsTheShiftBack) {
  // The gradient of sum(w * out) w.r.t. x is w shifted back: autograd through the gathers.
  const auto draws = torch::tensor({{pick(5, 7), pick(1, 7), 0.0f, 0.0f}});
  auto x = torch::zeros({1, 1, 28, 28}).requires_grad_(true);
  const auto weight = dot_image(8, 12) + 1;  // 2 at (8, 12), 0 elsewhere
  (augment(x, draws, augment_policy(Augment::kTranslation)) * weight).sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), dot_image(10, 10) + 1));
}

}  // namespace
}  // namespace genai::train
