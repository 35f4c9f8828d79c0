#include "genai/models/transposed_conv.h"

#include <gtest/gtest.h>

#include "genai/models/dcgan.h"

namespace genai::models {
namespace {

struct Case {
  int64_t batch, in, out, side, kernel, stride, padding;
};

// Forward, input gradient and weight gradient against torch::conv_transpose2d under autograd.
void expect_matches_reference(const Case& c, torch::ScalarType dtype, double tolerance) {
  torch::manual_seed(1);
  const auto options = torch::TensorOptions().dtype(dtype);
  auto x = torch::randn({c.batch, c.in, c.side, c.side}, options).requires_grad_(true);
  auto w = (0.1 * torch::randn({c.in, c.out, c.kernel, c.kernel}, options)).requires_grad_(true);
  auto x_ref = x.detach().clone().requires_grad_(true);
  auto w_ref = w.detach().clone().requires_grad_(true);

  auto y = conv_transpose2d(x, w, c.stride, c.padding);
  auto y_ref = torch::conv_transpose2d(x_ref, w_ref, {}, c.stride, c.padding);
  ASSERT_EQ(y.sizes(), y_ref.sizes());
  auto upstream = torch::randn_like(y_ref);
  (y * upstream).sum().backward();
  (y_ref * upstream).sum().backward();
  auto relative = [](const torch::Tensor& a, const torch::Tensor& b) { return ((a - b).abs().max() / b.abs().max()).item<double>(); };
  EXPECT_LT(relative(y, y_ref), tolerance);
  EXPECT_LT(relative(x.grad(), x_ref.grad()), tolerance);
  EXPECT_LT(relative(w.grad(), w_ref.grad()), tolerance);
}

TEST(TransposedConv, MatchesConvTranspose2dInDoublePrecision) {
  expect_matches_reference({3, 4, 5, 7, 4, 2, 1}, torch::kFloat64, 1e-12);  // DCGAN's layer shape
  expect_matches_reference({2, 3, 2, 6, 3, 1, 0}, torch::kFloat64, 1e-12);  // another stride, kernel and padding
  expect_matches_reference({1, 2, 3, 5, 5, 3, 2}, torch::kFloat64, 1e-12);
}

TEST(TransposedConv, MatchesConvTranspose2dInFloatAtDcganSize) {
  expect_matches_reference({16, 32, 16, 7, 4, 2, 1}, torch::kFloat32, 1e-5);
  expect_matches_reference({16, 16, 1, 14, 4, 2, 1}, torch::kFloat32, 1e-5);
}

TEST(TransposedConv, DcganGeneratorKeepsItsParametersAndUsesThem) {
  torch::manual_seed(2);
  DcganGenerator g(8, 4);
  std::vector<std::string> names;
  for (const auto& p : g.named_parameters()) names.push_back(p.key());
  EXPECT_NE(std::find(names.begin(), names.end(), "upsample.0.weight"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "upsample.3.weight"), names.end());
  // Every parameter, the transposed convolutions' weights included, receives a gradient.
  g.forward(torch::randn({3, 8})).pow(2).sum().backward();
  for (const auto& p : g.named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key();
  }
}

}  // namespace
}  // namespace genai::models
