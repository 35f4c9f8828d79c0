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

TEST(TransposedConv, InMemoryFormatGivesOneChannelTensorsExplicitNhwcStrides) {
  const auto one = torch::randn({4, 1, 5, 5});  // NCHW strides, which also count as channels-last-contiguous
  ASSERT_TRUE(one.is_contiguous(at::MemoryFormat::ChannelsLast));
  ASSERT_EQ(one.stride(1), 25);
  const auto nhwc = in_memory_format(one, at::MemoryFormat::ChannelsLast);
  EXPECT_EQ(nhwc.strides(), (std::vector<int64_t>{25, 1, 5, 1}));
  EXPECT_TRUE(torch::equal(nhwc, one));
  EXPECT_TRUE(in_memory_format(nhwc, at::MemoryFormat::ChannelsLast).is_same(nhwc));  // already explicit: no copy
  const auto three = torch::randn({4, 3, 5, 5});
  EXPECT_EQ(in_memory_format(three, at::MemoryFormat::ChannelsLast).strides(), (std::vector<int64_t>{75, 1, 15, 3}));
  EXPECT_TRUE(in_memory_format(three, at::MemoryFormat::Contiguous).is_same(three));
}

TEST(TransposedConv, MatchesConvTranspose2dInDoublePrecision) {
  expect_matches_reference({3, 4, 5, 7, 4, 2, 1}, torch::kFloat64, 1e-12);  // DCGAN's layer shape
  expect_matches_reference({2, 3, 2, 6, 3, 1, 0}, torch::kFloat64, 1e-12);  // another stride, kernel and padding
  expect_matches_reference({1, 2, 3, 5, 5, 3, 2}, torch::kFloat64, 1e-12);
}

TEST(TransposedConv, MatchesConvTranspose2dInFloatAtDcganSize) {
  expect_matches_reference({16, 32, 16, 7, 4, 2, 1}, torch::kFloat32, 1e-5);
  expect_matches_reference({16, 16, 1, 14, 4, 2, 1}, torch::kFloat32, 1e-5);  // to one channel: the patch-scatter path
}

TEST(TransposedConv, OneChannelScatterHandlesOtherStridesKernelsAndPaddings) {
  expect_matches_reference({2, 3, 1, 5, 3, 1, 0}, torch::kFloat32, 1e-5);
  expect_matches_reference({3, 5, 1, 6, 5, 3, 2}, torch::kFloat32, 1e-5);
  expect_matches_reference({1, 4, 1, 4, 4, 2, 3}, torch::kFloat32, 1e-5);  // padding that crops whole patches
}

// Forward, every gradient, and the gradient of a penalty on the input gradient (as R1 differentiates D) of
// conv2d_from_one_channel against torch::conv2d, for NCHW and channels-last inputs.
void expect_one_channel_conv_matches(int64_t batch, int64_t out, int64_t side, int64_t kernel, int64_t stride, int64_t padding, bool channels_last) {
  torch::manual_seed(3);
  auto x = torch::randn({batch, 1, side, side});
  if (channels_last) x = torch::empty_like(x, at::MemoryFormat::ChannelsLast).copy_(x);
  x.requires_grad_(true);
  auto w = (0.1 * torch::randn({out, 1, kernel, kernel})).requires_grad_(true);
  auto b = torch::randn({out}).requires_grad_(true);
  auto x_ref = x.detach().clone().requires_grad_(true), w_ref = w.detach().clone().requires_grad_(true),
       b_ref = b.detach().clone().requires_grad_(true);
  auto y = conv2d_from_one_channel(x, w, b, stride, padding);
  auto y_ref = torch::conv2d(x_ref, w_ref, b_ref, stride, padding);
  ASSERT_EQ(y.sizes(), y_ref.sizes());
  auto relative = [](const torch::Tensor& a, const torch::Tensor& r) { return ((a - r).abs().max() / r.abs().max()).item<double>(); };
  EXPECT_LT(relative(y, y_ref), 1e-6);
  const auto upstream = torch::randn_like(y_ref);
  (y * upstream).sum().backward();
  (y_ref * upstream).sum().backward();
  EXPECT_LT(relative(x.grad(), x_ref.grad()), 1e-5);
  EXPECT_LT(relative(w.grad(), w_ref.grad()), 1e-5);
  EXPECT_LT(relative(b.grad(), b_ref.grad()), 1e-5);

  w.mutable_grad() = torch::Tensor();
  w_ref.mutable_grad() = torch::Tensor();
  auto penalty = [&](const torch::Tensor& input, const torch::Tensor& output) {
    const auto g = torch::autograd::grad({(output * upstream).sum()}, {input}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    return g.pow(2).sum();
  };
  penalty(x, conv2d_from_one_channel(x, w, b, stride, padding)).backward();
  penalty(x_ref, torch::conv2d(x_ref, w_ref, b_ref, stride, padding)).backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_GT(w.grad().abs().sum().item<double>(), 0);
  EXPECT_LT(relative(w.grad(), w_ref.grad()), 1e-5);
}

TEST(TransposedConv, ConvolutionFromOneChannelMatchesConv2dWithItsGradients) {
  expect_one_channel_conv_matches(8, 16, 28, 4, 2, 1, /*channels_last=*/false);  // DCGAN's first D layer
  expect_one_channel_conv_matches(8, 16, 28, 4, 2, 1, /*channels_last=*/true);
  expect_one_channel_conv_matches(3, 5, 9, 3, 1, 0, /*channels_last=*/false);
}

// DCGAN's D runs its first convolution through conv2d_from_one_channel and flattens channels-last maps with a
// gradient handed back channels-last. Its logits, weight gradients and the weight gradients of an R1 penalty
// (a derivative of the input gradient) equal those of its own modules run plainly, in NCHW.
TEST(TransposedConv, DcganDiscriminatorKeepsFirstAndSecondDerivatives) {
  torch::manual_seed(4);
  DcganDiscriminator d(8);
  auto modules = d.named_children();
  auto body = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(modules["features"]);
  auto classify = std::dynamic_pointer_cast<torch::nn::LinearImpl>(modules["classify"]);
  ASSERT_TRUE(body && classify);
  auto plain = [&](const torch::Tensor& images) { return classify->forward(body->forward(images).contiguous().flatten(1)).view({-1}); };
  const auto images = torch::randn({32, 1, 28, 28});  // 32 or more: the channels-last path
  auto gradients = [&](bool fast) {
    d.zero_grad();
    auto x = images.clone().requires_grad_(true);
    const auto logits = fast ? d.forward(x) : plain(x);
    const auto input_gradient = torch::autograd::grad({logits.sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    (logits.pow(2).sum() + input_gradient.pow(2).sum()).backward();
    std::vector<torch::Tensor> all{logits.detach()};
    for (const auto& p : d.parameters()) all.push_back(p.grad().clone());
    return all;
  };
  const auto fast = gradients(true), reference = gradients(false);
  ASSERT_EQ(fast.size(), reference.size());
  for (size_t i = 0; i < fast.size(); ++i) {
    ASSERT_GT(reference[i].abs().max().item<double>(), 0) << i;
    EXPECT_LT(((fast[i] - reference[i]).abs().max() / reference[i].abs().max()).item<double>(), 1e-4) << "tensor " << i;
  }
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
