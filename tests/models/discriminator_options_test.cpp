// Spectral normalization and the minibatch-stddev feature against hand computations and linear algebra.
#include <gtest/gtest.h>

#include "genai/models/dcgan.h"
#include "genai/models/minibatch_stddev.h"
#include "genai/models/mlp.h"
#include "genai/models/spectral_norm.h"

namespace genai::models {
namespace {

TEST(SpectralNorm, PowerIterationFindsTheTopSingularValueOfAHandMatrix) {
  // W = [[3, 0], [0, 1]]: sigma = 3, so the layer computes with [[1, 0], [0, 1/3]]; the parameter stays W.
  torch::nn::Linear linear(torch::nn::LinearOptions(2, 2).bias(false));
  {
    torch::NoGradGuard g;
    linear->weight.copy_(torch::tensor({{3.0f, 0.0f}, {0.0f, 1.0f}}));
  }
  torch::manual_seed(0);
  SpectralNorm norm(*linear);
  for (int i = 0; i < 30; ++i) norm.refresh(/*training=*/true);
  EXPECT_TRUE(torch::allclose(linear->weight, torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f / 3}}), 1e-5, 1e-6)) << linear->weight;
  const auto parameters = linear->parameters();
  ASSERT_EQ(parameters.size(), 1u);
  EXPECT_TRUE(torch::equal(parameters[0], torch::tensor({{3.0f, 0.0f}, {0.0f, 1.0f}})));
  // u and v are the layer's buffers (so checkpoints keep them): the top singular vectors, up to sign.
  const auto buffers = linear->named_buffers();
  EXPECT_NEAR(buffers["sn_u"][0].abs().item<float>(), 1.0f, 1e-5);
  EXPECT_NEAR(buffers["sn_v"][0].abs().item<float>(), 1.0f, 1e-5);
  EXPECT_NEAR(linear->forward(torch::tensor({{3.0f, 3.0f}})).sum().item<float>(), 4.0f, 1e-4);  // 3 * 1 + 3 / 3
}

TEST(SpectralNorm, EvalModeKeepsTheVectorsAndGradientsFlowToTheRawWeight) {
  torch::manual_seed(1);
  torch::nn::Linear linear(5, 3);
  SpectralNorm norm(*linear);
  norm.refresh(true);
  const auto u = linear->named_buffers()["sn_u"].clone();
  norm.refresh(false);
  EXPECT_TRUE(torch::equal(linear->named_buffers()["sn_u"], u));
  // d(sum(W / sigma)) / dW through sigma = u^T W v: autograd reaches the registered parameter.
  norm.refresh(true);
  linear->forward(torch::ones({2, 5})).sum().backward();
  const auto grad = linear->named_parameters()["weight"].grad();
  ASSERT_TRUE(grad.defined());
  EXPECT_GT(grad.abs().sum().item<float>(), 0);
}

class SpectralNormKinds : public ::testing::TestWithParam<std::string> {};

TEST_P(SpectralNormKinds, EveryLayerOfTheDiscriminatorHasTopSingularValueOne) {
  torch::manual_seed(2);
  ModelConfig config;
  config.kind = model_kind(GetParam());
  config.dcgan_channels = 8;
  config.d_hidden = {32, 16};
  config.classes = 10;
  config.spectral_norm = true;
  auto gan = make_gan(config);
  const auto images = torch::rand({8, 1, 28, 28}) * 2 - 1;
  const auto labels = torch::arange(8) % 10;
  torch::NoGradGuard g;
  for (int i = 0; i < 200; ++i) gan.discriminator->forward(images, labels);  // training mode: power iterations
  int layers = 0;
  for (const auto& module : gan.discriminator->modules(false)) {
    torch::Tensor weight;
    if (auto* linear = module->as<torch::nn::Linear>()) weight = linear->weight;
    if (auto* conv = module->as<torch::nn::Conv2d>()) weight = conv->weight;
    if (!weight.defined()) continue;
    ++layers;
    const double top = torch::linalg_svdvals(weight.flatten(1)).max().item<double>();
    EXPECT_NEAR(top, 1.0, 2e-3) << GetParam() << " layer " << layers;
  }
  EXPECT_EQ(layers, 3);  // conv, conv, linear or linear, linear, linear
  // The power-iteration vectors stay unit vectors.
  for (const auto& item : gan.discriminator->named_buffers()) {
    if (item.key().find("sn_") == std::string::npos) continue;
    EXPECT_NEAR(item.value().norm().item<double>(), 1.0, 1e-5) << item.key();
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, SpectralNormKinds, ::testing::Values("mlp", "dcgan", "cmlp", "cdcgan"));

TEST(MinibatchStddev, GroupSizeIsTheLargestDivisorOfTheBatch) {
  EXPECT_EQ(minibatch_stddev_group(64, 4), 4);
  EXPECT_EQ(minibatch_stddev_group(6, 4), 3);
  EXPECT_EQ(minibatch_stddev_group(7, 4), 1);
  EXPECT_EQ(minibatch_stddev_group(2, 4), 2);
  EXPECT_EQ(minibatch_stddev_group(1, 4), 1);
}

TEST(MinibatchStddev, AppendsTheGroupDeviationByHand) {
  // Group 2 over 4 rows: rows 0 and 2 form one group, rows 1 and 3 the other (ProGAN's striding).
  // Rows 0, 2: feature 0 {0, 2} -> std 1, feature 1 {0, 4} -> 2: mean 1.5.
  // Rows 1, 3: feature 0 {1, 5} -> 2, feature 1 {1, 1} -> sqrt(1e-8) = 1e-4: mean 1.00005.
  const auto x = torch::tensor({{0.0, 0.0}, {1.0, 1.0}, {2.0, 4.0}, {5.0, 1.0}}, torch::kFloat64);
  const auto out = append_minibatch_stddev(x, 2);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_TRUE(torch::equal(out.narrow(1, 0, 2), x));
  const auto expected = torch::tensor({1.5, 1.00005, 1.5, 1.00005}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(out.select(1, 2), expected, 0, 1e-8)) << out;  // the 1e-8 under sqrt moves them by < 5e-9
  // A collapsed batch (identical rows) gets the floor sqrt(1e-8), a varied one more: what D learns to read.
  EXPECT_NEAR(append_minibatch_stddev(torch::ones({4, 3}, torch::kFloat64), 4)[0][3].item<double>(), 1e-4, 1e-12);
}

TEST(MinibatchStddev, AddsOneInputToTheHeadOfBothArchitectures) {
  // MLP D 784 -> 256 -> 128 -> 1 has 233985 parameters; the head gains one weight.
  EXPECT_EQ(parameter_count(*std::make_shared<MlpDiscriminator>(std::vector<int64_t>{256, 128}, kMnistShape, 4)), 233985 + 1);
  auto plain = std::make_shared<DcganDiscriminator>(8), with = std::make_shared<DcganDiscriminator>(8, kMnistShape, 4);
  EXPECT_EQ(parameter_count(*with), parameter_count(*plain) + 1);
  EXPECT_EQ(with->feature_dim(), plain->feature_dim() + 1);
  EXPECT_EQ(with->forward(torch::rand({6, 1, 28, 28})).sizes(), (std::vector<int64_t>{6}));
  EXPECT_EQ(with->forward(torch::rand({1, 1, 28, 28})).sizes(), (std::vector<int64_t>{1}));
}

}  // namespace
}  // namespace genai::models
