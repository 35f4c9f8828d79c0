// Conditional models, the EMA generator and latent interpolation.
#include "genai/models/conditional.h"

#include <gtest/gtest.h>

#include <cmath>

#include "genai/checkpoint.h"
#include "genai/export/idx_dataset.h"
#include "genai/image/png.h"
#include "genai/models/mlp.h"
#include "genai/models/sampling.h"
#include "genai/train/trainer.h"
#include "support.h"

namespace genai {
namespace {
using genai::testing::TempDir;
using genai::testing::tiny_dataset;

TrainConfig conditional_config(const std::string& kind) {
  TrainConfig c;
  c.model.kind = model_kind(kind);
  c.model.classes = 10;
  c.model.dcgan_channels = 8;
  c.batch_size = 16;
  c.seed = 3;
  c.sample_grid = 12;
  return c;
}

class ConditionalShapes : public ::testing::TestWithParam<std::string> {};

TEST_P(ConditionalShapes, LabelsSteerTheGeneratorAndTheDiscriminator) {
  torch::manual_seed(0);
  const auto config = conditional_config(GetParam()).model;
  auto gan = models::make_gan(config);
  EXPECT_EQ(gan.generator->classes(), 10);
  gan.generator->eval();
  gan.discriminator->eval();
  const auto z = torch::randn({6, 100});
  const auto threes = torch::full({6}, 3, torch::kInt64), sevens = torch::full({6}, 7, torch::kInt64);
  const auto images = gan.generator->forward(z, threes);
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{6, 1, 28, 28}));
  EXPECT_FALSE(torch::equal(images, gan.generator->forward(z, sevens))) << "the label has no effect on G";
  const auto logits = gan.discriminator->forward(images, threes);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{6}));
  EXPECT_FALSE(torch::equal(logits, gan.discriminator->forward(images, sevens))) << "the label has no effect on D";
}

INSTANTIATE_TEST_SUITE_P(Kinds, ConditionalShapes, ::testing::Values("cmlp", "cdcgan"));

TEST(Conditional, ProjectionDiscriminatorAddsTheLabelEmbeddingDotFeatures) {
  torch::manual_seed(1);
  auto inner = std::make_shared<models::MlpDiscriminator>(std::vector<int64_t>{8});
  models::ProjectionDiscriminator d(inner, 3);
  const auto images = torch::rand({4, 1, 28, 28}) * 2 - 1;
  const auto labels = torch::tensor({0, 2, 1, 2}, torch::kInt64);
  const auto phi = inner->features(images);
  const auto embedding = d.named_parameters()["label_projection.weight"];
  for (int64_t i = 0; i < 4; ++i) {
    const double expected = inner->head(phi[i].unsqueeze(0)).item<double>() + (embedding[labels[i].item<int64_t>()] * phi[i]).sum().item<double>();
    EXPECT_NEAR(d.forward(images, labels)[i].item<double>(), expected, 1e-5) << i;
  }
}

TEST(Conditional, MissingOrTooFewClassesAreErrors) {
  auto config = conditional_config("cmlp").model;
  config.classes = 1;
  EXPECT_THROW(models::make_gan(config), RuntimeError);
  try {
    model_kind("cgan");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "model = \"cgan\" is unknown; use mlp, dcgan, cmlp or cdcgan");
  }
}

TEST(Conditional, TrainerFeedsTheRealBatchLabelsAndTheGridCyclesClasses) {
  train::Trainer trainer(conditional_config("cmlp"), tiny_dataset(100), torch::kCPU);
  for (int i = 0; i < 3; ++i) trainer.step();
  EXPECT_EQ(trainer.fixed_samples().sizes(), (std::vector<int64_t>{12, 1, 28, 28}));
}

TEST(Conditional, CheckpointRecordsClassesNamesAndRoundTrips) {
  TempDir dir;
  auto config = conditional_config("cdcgan");
  config.model.class_names = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
  train::Trainer trainer(config, tiny_dataset(100), torch::kCPU);
  for (int i = 0; i < 3; ++i) trainer.step();
  trainer.save_checkpoint(dir.file("c.pt"), "");
  const auto checkpoint = Checkpoint::open(dir.file("c.pt"));
  EXPECT_EQ(checkpoint.meta().model.classes, 10);
  EXPECT_EQ(checkpoint.meta().model.class_names, config.model.class_names);
  EXPECT_FALSE(checkpoint.has_ema());
  auto loaded = checkpoint.load_generator();
  loaded->eval();
  trainer.gan().generator->eval();
  const auto z = torch::randn({5, 100});
  const auto labels = torch::tensor({0, 1, 2, 3, 9}, torch::kInt64);
  EXPECT_TRUE(torch::equal(loaded->forward(z, labels), trainer.gan().generator->forward(z, labels)));
}

// EMA: ema_0 = w_0; after update t (0, 1, ...) ema = d_t * ema + (1 - d_t) * w with d_t = min(d, (1 + t) / (10 + t)).
TEST(Ema, TwoStepsMatchTheHandComputation) {
  auto config = conditional_config("mlp");
  config.model.classes = 0;
  config.ema_decay = 0.75;  // above the warm-up for the first steps, so the warm-up decides
  train::Trainer trainer(config, tiny_dataset(100), torch::kCPU);
  auto snapshot = [&] {
    std::vector<torch::Tensor> w;
    for (const auto& p : trainer.gan().generator->parameters()) w.push_back(p.detach().clone().to(torch::kFloat64));
    return w;
  };
  const auto w0 = snapshot();
  trainer.step();
  const auto w1 = snapshot();
  trainer.step();
  const auto w2 = snapshot();
  const auto ema = trainer.ema_generator()->parameters();
  ASSERT_EQ(ema.size(), w0.size());
  for (size_t i = 0; i < ema.size(); ++i) {
    // d_0 = min(0.75, 1/10) = 0.1, d_1 = min(0.75, 2/11).
    const auto expected = (2.0 / 11) * (0.1 * w0[i] + 0.9 * w1[i]) + (9.0 / 11) * w2[i];
    EXPECT_TRUE(torch::allclose(ema[i].to(torch::kFloat64), expected, 1e-5, 1e-7)) << "parameter " << i;
    EXPECT_FALSE(torch::equal(ema[i], trainer.gan().generator->parameters()[i])) << "EMA equals the raw weights";
  }
  // BatchNorm buffers are copied from G.
  const auto g_buffers = trainer.gan().generator->buffers(), ema_buffers = trainer.ema_generator()->buffers();
  for (size_t i = 0; i < g_buffers.size(); ++i) EXPECT_TRUE(torch::equal(g_buffers[i], ema_buffers[i]));
}

TEST(Ema, CheckpointHoldsBothGeneratorsAndResumesBitwise) {
  TempDir dir;
  auto config = conditional_config("cmlp");
  config.ema_decay = 0.9;
  train::Trainer straight(config, tiny_dataset(100), torch::kCPU);
  for (int i = 0; i < 8; ++i) straight.step();
  train::Trainer first(config, tiny_dataset(100), torch::kCPU);
  for (int i = 0; i < 5; ++i) first.step();
  first.save_checkpoint(dir.file("c.pt"), "");
  train::Trainer resumed(config, tiny_dataset(100), torch::kCPU);
  const auto checkpoint = Checkpoint::open(dir.file("c.pt"));
  EXPECT_TRUE(checkpoint.has_ema());
  resumed.restore(checkpoint);
  for (int i = 0; i < 3; ++i) resumed.step();
  const auto a = straight.ema_generator()->parameters(), b = resumed.ema_generator()->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "EMA parameter " << i;
  // --no-ema loads the raw weights, the default the EMA ones.
  const auto raw = checkpoint.load_generator(false), averaged = checkpoint.load_generator(true);
  EXPECT_TRUE(torch::equal(raw->parameters()[0], first.gan().generator->parameters()[0]));
  EXPECT_FALSE(torch::equal(raw->parameters()[0], averaged->parameters()[0]));
}

TEST(Slerp, EndpointsAreTheLatentsAndNormsFollowTheFormula) {
  const auto a = models::seed_latent(1, 100), b = models::seed_latent(2, 100);
  EXPECT_TRUE(torch::allclose(models::slerp(a, b, 0.0), a, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(models::slerp(a, b, 1.0), b, 1e-6, 1e-6));
  EXPECT_TRUE(torch::equal(models::seed_latent(1, 100), a)) << "a seed's latent is not deterministic";
  const double na = a.norm().item<double>(), nb = b.norm().item<double>();
  const double theta = std::acos(a.dot(b).item<double>() / (na * nb));
  for (double t : {0.25, 0.5, 0.8}) {
    // |slerp|^2 = (s0^2 |a|^2 + s1^2 |b|^2 + 2 s0 s1 a.b) / sin^2(theta), s0 = sin((1-t) theta), s1 = sin(t theta).
    const double s0 = std::sin((1 - t) * theta), s1 = std::sin(t * theta);
    const double expected = std::sqrt(s0 * s0 * na * na + s1 * s1 * nb * nb + 2 * s0 * s1 * na * nb * std::cos(theta)) / std::sin(theta);
    EXPECT_NEAR(models::slerp(a, b, t).norm().item<double>(), expected, 1e-4) << t;
  }
  // Equal norms stay equal along the arc (unlike linear interpolation, which shrinks towards the middle).
  const auto unit_a = a / na, unit_b = b / nb;
  EXPECT_NEAR(models::slerp(unit_a, unit_b, 0.5).norm().item<double>(), 1.0, 1e-5);
}

TEST(Sampling, BalancedLabelsCycleTheClasses) {
  EXPECT_TRUE(torch::equal(models::balanced_labels(7, 3), torch::tensor({0, 1, 2, 0, 1, 2, 0}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(models::balanced_labels(3, 10, 4), torch::tensor({4, 4, 4}, torch::kInt64)));
}

TEST(Sampling, ToBytesUsesThePngMapping) {
  const auto bytes = image::to_bytes(torch::tensor({-1.5f, -1.0f, 0.0f, 0.5f, 1.0f}).view({1, 1, 1, 5}));
  EXPECT_TRUE(torch::equal(bytes.flatten(), torch::tensor({0, 0, 128, 191, 255}, torch::kUInt8)));  // round(127.5)=128, round(191.25)=191
}

}  // namespace
}  // namespace genai
