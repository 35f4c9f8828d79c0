#include "genai/losses.h"

#include <gtest/gtest.h>

#include <cmath>

namespace genai {
namespace {

TEST(Losses, DiscriminatorLossOnTwoElementBatchByHand) {
  // real logits {0, ln 3}: -log sigmoid = {ln 2, ln(4/3)}; fake logits {0, -ln 3}: -log(1 - sigmoid) = {ln 2, ln(4/3)}.
  auto real = torch::tensor({0.0, std::log(3.0)}, torch::kFloat64);
  auto fake = torch::tensor({0.0, -std::log(3.0)}, torch::kFloat64);
  const double expected = (std::log(2.0) + std::log(4.0 / 3.0)) / 2 * 2;  // = ln(8/3)
  EXPECT_NEAR(discriminator_loss(real, fake).item<double>(), expected, 1e-12);
  EXPECT_NEAR(expected, 0.98082925301172623, 1e-12);
}

TEST(Losses, NonSaturatingGeneratorLossByHand) {
  // fake logits {0, -ln 3}: -log sigmoid = {ln 2, ln 4}, mean 1.5 ln 2.
  auto fake = torch::tensor({0.0, -std::log(3.0)}, torch::kFloat64);
  EXPECT_NEAR(generator_loss(fake).item<double>(), 1.5 * std::log(2.0), 1e-12);
}

TEST(Losses, EqualBinaryCrossEntropyWithLogits) {
  auto real = torch::randn({16}, torch::kFloat64) * 5, fake = torch::randn({16}, torch::kFloat64) * 5;
  namespace F = torch::nn::functional;
  auto reference =
      F::binary_cross_entropy_with_logits(real, torch::ones_like(real)) + F::binary_cross_entropy_with_logits(fake, torch::zeros_like(fake));
  EXPECT_NEAR(discriminator_loss(real, fake).item<double>(), reference.item<double>(), 1e-10);
  EXPECT_NEAR(generator_loss(fake).item<double>(), F::binary_cross_entropy_with_logits(fake, torch::ones_like(fake)).item<double>(), 1e-10);
}

TEST(Losses, GradientOfGeneratorLossIsMinusOneMinusSigmoidOverN) {
  auto fake = torch::tensor({0.0, 2.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  generator_loss(fake).backward();
  // d/dl softplus(-l) / n = -(1 - sigmoid(l)) / n
  EXPECT_NEAR(fake.grad()[0].item<double>(), -0.5 / 2, 1e-12);
  EXPECT_NEAR(fake.grad()[1].item<double>(), -(1 - 1 / (1 + std::exp(-2.0))) / 2, 1e-12);
}

}  // namespace
}  // namespace genai
