#include "genai/losses.h"

#include <gtest/gtest.h>

#include <cmath>

#include "genai/error.h"

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

TEST(Losses, HingeByHand) {
  // D: mean relu(1 - {0.5, 2}) = mean {0.5, 0} = 0.25; mean relu(1 + {-2, 0.5}) = mean {0, 1.5} = 0.75.
  auto real = torch::tensor({0.5, 2.0}, torch::kFloat64), fake = torch::tensor({-2.0, 0.5}, torch::kFloat64);
  EXPECT_NEAR(discriminator_loss(real, fake, Loss::kHinge).item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(generator_loss(fake, Loss::kHinge).item<double>(), 0.75, 1e-12);  // -mean {-2, 0.5}
}

TEST(Losses, LeastSquaresByHand) {
  // D: mean {(1-1)^2, (3-1)^2} / 2 = 1, mean {0^2, 2^2} / 2 = 1; G: mean {(0-1)^2, (2-1)^2} / 2 = 0.5.
  auto real = torch::tensor({1.0, 3.0}, torch::kFloat64), fake = torch::tensor({0.0, 2.0}, torch::kFloat64);
  EXPECT_NEAR(discriminator_loss(real, fake, Loss::kLsgan).item<double>(), 2.0, 1e-12);
  EXPECT_NEAR(generator_loss(fake, Loss::kLsgan).item<double>(), 0.5, 1e-12);
}

TEST(Losses, R1OfALinearDiscriminatorIsHalfGammaTimesTheSquaredWeightNormAndTrainsIt) {
  // D(x) = <w, x>: the gradient w.r.t. every image is w, so R1 = gamma / 2 * ||w||^2 = 10 / 2 * 30 = 150, and its
  // gradient w.r.t. w is gamma * w (it is built with create_graph, so D learns from it).
  auto w = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto x = torch::randn({3, 1, 2, 2}, torch::kFloat64).requires_grad_(true);
  const auto logits = (x.flatten(1) * w).sum(1);
  const auto penalty = r1_penalty(logits, x, 10.0);
  EXPECT_NEAR(penalty.item<double>(), 150.0, 1e-9);
  penalty.backward();
  EXPECT_TRUE(torch::allclose(w.grad(), torch::tensor({10.0, 20.0, 30.0, 40.0}, torch::kFloat64)));
}

TEST(Losses, R1OfAQuadraticDiscriminatorMatchesItsGradientByHand) {
  // D(x) = sum x^2 per image: the gradient is 2x, so R1 = gamma / 2 * mean over images of ||2x||^2.
  auto x = torch::randn({5, 1, 3, 3}, torch::kFloat64).requires_grad_(true);
  const auto logits = x.pow(2).flatten(1).sum(1);
  const double expected = 0.5 * 2.0 * (2 * x.detach()).pow(2).flatten(1).sum(1).mean().item<double>();
  EXPECT_NEAR(r1_penalty(logits, x, 2.0).item<double>(), expected, 1e-9);
}

TEST(Losses, ModeSeekingByHand) {
  // Rows 0 and 2 pair up, and rows 1 and 3; row 4 is left out. Images [5, 2]: |diff| = {1, 3} and {0, 4}, mean 2.
  // Noise [5, 1]: |diff| = {0.5} and {1.5}, mean 1. Ratio 2: the term is 1 / (2 + 1e-5).
  auto images = torch::tensor({0.0, 0.0, 1.0, 1.0, 1.0, -3.0, 1.0, 5.0, 9.0, 9.0}, torch::kFloat64).view({5, 2}).requires_grad_(true);
  auto noise = torch::tensor({0.0, 1.0, 0.5, -0.5, 7.0}, torch::kFloat64).view({5, 1});
  const auto term = mode_seeking_penalty(images, noise);
  EXPECT_NEAR(term.item<double>(), 1.0 / (2.0 + 1e-5), 1e-12);
  // d term / d image = -1 / (ratio + eps)^2 * d ratio / d image, with d ratio / d x0 = sign(x0 - x2) / 4 / 1 (4 image
  // differences, noise mean 1), and the opposite sign for x2; |0|' is 0 in torch; row 4 gets no gradient.
  term.backward();
  const double scale = -1.0 / std::pow(2.0 + 1e-5, 2) / 4.0;
  const auto expected = torch::tensor({-1.0, 1.0, 0.0, -1.0, 1.0, -1.0, 0.0, 1.0, 0.0, 0.0}, torch::kFloat64).view({5, 2}) * scale;
  EXPECT_TRUE(torch::allclose(images.grad(), expected, 0, 1e-12)) << images.grad();
}

TEST(Losses, WassersteinByHand) {
  // D: mean {-2, 0.5} - mean {0.5, 2} = -0.75 - 1.25 = -2; G: -mean {-2, 0.5} = 0.75.
  auto real = torch::tensor({0.5, 2.0}, torch::kFloat64), fake = torch::tensor({-2.0, 0.5}, torch::kFloat64);
  EXPECT_NEAR(discriminator_loss(real, fake, Loss::kWganGp).item<double>(), -2.0, 1e-12);
  EXPECT_NEAR(generator_loss(fake, Loss::kWganGp).item<double>(), 0.75, 1e-12);
}

TEST(Losses, GradientPenaltyOfALinearCriticIsLambdaTimesNormMinusOneSquaredAndTrainsIt) {
  // D(x) = <w, x>: the gradient at every image is w, ||w|| = sqrt(30), so the penalty is 10 (sqrt 30 - 1)^2 and
  // its gradient w.r.t. w is 10 * 2 (||w|| - 1) w / ||w||.
  auto w = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto x = torch::randn({3, 1, 2, 2}, torch::kFloat64).requires_grad_(true);
  const auto penalty = gradient_penalty((x.flatten(1) * w).sum(1), x, 10.0);
  const double norm = std::sqrt(30.0);
  EXPECT_NEAR(penalty.item<double>(), 10 * (norm - 1) * (norm - 1), 1e-9);
  penalty.backward();
  EXPECT_TRUE(torch::allclose(w.grad(), w.detach() * (20 * (norm - 1) / norm)));
}

TEST(Losses, GradientPenaltyMatchesAutogradOfAQuadraticCriticAndIsFiniteAtAFlatPoint) {
  // D(x) = sum x^2 per image: the gradient is 2x, the penalty the mean of (||2x|| - 1)^2 times lambda.
  auto x = torch::randn({4, 1, 3, 3}, torch::kFloat64).requires_grad_(true);
  const double expected = 2.0 * ((2 * x.detach()).flatten(1).norm(2, 1) - 1).pow(2).mean().item<double>();
  EXPECT_NEAR(gradient_penalty(x.pow(2).flatten(1).sum(1), x, 2.0).item<double>(), expected, 1e-9);
  // At x = 0 the gradient norm is 0 (sqrt(0 + 1e-12) = 1e-6 as computed): the penalty is lambda (1 - 1e-6)^2, and
  // its own gradient is finite (no 0/0).
  auto zero = torch::zeros({2, 1, 2, 2}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto scale = torch::tensor(1.0, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto flat = gradient_penalty((zero.pow(2) * scale).flatten(1).sum(1), zero, 3.0);
  EXPECT_NEAR(flat.item<double>(), 3.0 * (1 - 1e-6) * (1 - 1e-6), 1e-12);
  flat.backward();
  EXPECT_TRUE(torch::isfinite(scale.grad()).item<bool>());
}

}  // namespace
}  // namespace genai
