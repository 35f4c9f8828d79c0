#include <gtest/gtest.h>

#include "genai/models/dcgan.h"
#include "genai/models/mlp.h"

namespace genai::models {
namespace {

ModelConfig config_of(const std::string& kind) {
  ModelConfig c;
  c.kind = model_kind(kind);
  return c;
}

class ModelShapes : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelShapes, GeneratorAndDiscriminatorShapesAtBatch1And64) {
  torch::manual_seed(0);
  auto gan = make_gan(config_of(GetParam()));
  for (int64_t batch : {1, 64}) {
    gan.generator->eval();  // batch 1 with BatchNorm needs running statistics
    gan.discriminator->eval();
    auto images = gan.generator->forward(torch::randn({batch, 100}));
    EXPECT_EQ(images.sizes(), (std::vector<int64_t>{batch, 1, 28, 28}));
    EXPECT_LE(images.abs().max().item<float>(), 1.0f);  // tanh output
    auto logits = gan.discriminator->forward(images);
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{batch}));
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, ModelShapes, ::testing::Values("mlp", "dcgan"));

TEST(Mlp, ParameterCountsMatchHandComputation) {
  // G: (100*256+256) + (256*128+128) + (128*64+64) + (64*784+784) = 117968, plus BatchNorm 2*(256+128+64) = 896.
  MlpGenerator plain(100, {256, 128, 64}, false);
  EXPECT_EQ(parameter_count(plain), 117968);
  MlpGenerator normed(100, {256, 128, 64}, true);
  EXPECT_EQ(parameter_count(normed), 117968 + 896);
  // D: (784*256+256) + (256*128+128) + (128*1+1) = 233985.
  MlpDiscriminator d({256, 128});
  EXPECT_EQ(parameter_count(d), 233985);
}

TEST(Discriminator, ReturnsLogitsNotProbabilities) {
  // A logit can leave [0, 1]: scale the last layer so it must, which a sigmoid output never could.
  torch::manual_seed(1);
  MlpDiscriminator d({8});
  {
    torch::NoGradGuard g;
    for (auto& p : d.parameters()) p.mul_(50);
  }
  auto logits = d.forward(torch::rand({64, 1, 28, 28}) * 2 - 1);
  EXPECT_TRUE((logits < 0).any().item<bool>() || (logits > 1).any().item<bool>());
}

TEST(Dcgan, InitialisationFollowsThePaper) {
  torch::manual_seed(0);
  DcganGenerator g(100, 64);
  for (const auto& item : g.named_parameters()) {
    const auto& p = item.value();
    if (p.dim() > 1) {
      EXPECT_NEAR(p.mean().item<double>(), 0.0, 0.002) << item.key();
      EXPECT_NEAR(p.std().item<double>(), 0.02, 0.002) << item.key();
    }
  }
  DcganDiscriminator d(64);
  auto params = d.named_parameters();
  auto* bn_weight = params.find("features.3.weight");
  ASSERT_NE(bn_weight, nullptr);
  EXPECT_NEAR(bn_weight->mean().item<double>(), 1.0, 0.01);
  EXPECT_NEAR(bn_weight->std().item<double>(), 0.02, 0.01);
}

}  // namespace
}  // namespace genai::models
