// InfoGAN's categorical latent code (--info-codes): the code's bins, the models around it, and what training
// does with it.
#include "genai/models/latent_code.h"

#include <gtest/gtest.h>

#include "genai/train/trainer.h"
#include "support.h"

namespace genai {
namespace {

torch::Tensor noise_with_last(const std::vector<double>& last, int64_t z_dim = 5) {
  auto z = torch::randn({static_cast<int64_t>(last.size()), z_dim});
  z.select(1, z_dim - 1).copy_(torch::tensor(last, torch::kFloat64).to(torch::kFloat32));
  return z;
}

TEST(LatentCode, BinsTheNormalCdfOfTheLastEntry) {
  // Phi(-1) = 0.1587, Phi(0) = 0.5, Phi(0.2) = 0.5793, Phi(1) = 0.8413, Phi(-0.6745) = 0.25 - 3e-6.
  const auto z = noise_with_last({-1.0, 0.0, 0.2, 1.0, -0.6745, -40.0, 40.0});
  const auto codes = models::latent_code(z, 10);
  ASSERT_EQ(codes.scalar_type(), torch::kInt64);
  const std::vector<int64_t> expected = {1, 5, 5, 8, 2, 0, 9};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(codes[static_cast<int64_t>(i)].item<int64_t>(), expected[i]) << i;
  // With 4 codes, -0.6745 falls just below the first quarter's edge and 0 exactly on the half.
  const auto four = models::latent_code(z, 4);
  EXPECT_EQ(four[4].item<int64_t>(), 0);
  EXPECT_EQ(four[1].item<int64_t>(), 2);
  // Only the last entry counts.
  auto other = z.clone();
  other.narrow(1, 0, 4).normal_();
  EXPECT_TRUE(torch::equal(models::latent_code(other, 10), codes));
}

TEST(LatentCode, IsUniformOverTheCodes) {
  torch::manual_seed(1);
  const auto counts = torch::bincount(models::latent_code(torch::randn({100000, 3}), 10), {}, 10).to(torch::kFloat64) / 100000;
  // Each share is 0.1 with a binomial standard deviation of 0.00095: 0.005 is over 5 of them.
  EXPECT_LT((counts - 0.1).abs().max().item<double>(), 0.005) << counts;
}

TrainConfig info_config(int64_t codes, double weight) {
  TrainConfig c;
  c.model.kind = ModelKind::kDcgan;
  c.model.dcgan_channels = 8;
  c.model.z_dim = 16;
  c.model.info_codes = codes;
  c.info_weight = weight;
  c.batch_size = 32;
  c.seed = 5;
  c.sample_grid = 4;
  return c;
}

TEST(LatentCode, GeneratorIsUnconditionalAndTakesTheCodeOfItsNoise) {
  torch::manual_seed(0);
  auto gan = models::make_gan(info_config(4, 1).model);
  EXPECT_EQ(gan.generator->classes(), 0);  // sampling, eval and export draw z alone
  auto* generator = dynamic_cast<models::LatentCodeGenerator*>(gan.generator.get());
  ASSERT_NE(generator, nullptr);
  EXPECT_EQ(generator->codes(), 4);
  ASSERT_NE(dynamic_cast<models::CodeDiscriminator*>(gan.discriminator.get()), nullptr);
  gan.generator->eval();
  torch::NoGradGuard no_grad;
  // Codes 0 and 3 (Phi(-1) * 4 = 0.63, Phi(1) * 4 = 3.37): moving code 0's embedding moves the first image alone.
  auto z = noise_with_last({-1.0, 1.0}, 16);
  const auto images = gan.generator->forward(z);
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{2, 1, 28, 28}));
  gan.generator->named_parameters()["code_embedding.weight"][0].add_(1.0);
  const auto changed = gan.generator->forward(z);
  EXPECT_GT((changed[0] - images[0]).abs().max().item<double>(), 1e-3);
  EXPECT_TRUE(torch::equal(changed[1], images[1]));
}

TEST(LatentCode, DiscriminatorHeadsShareOnePassOfFeatures) {
  torch::manual_seed(0);
  auto gan = models::make_gan(info_config(6, 1).model);
  auto& D = dynamic_cast<models::CodeDiscriminator&>(*gan.discriminator);
  const auto images = torch::rand({8, 1, 28, 28}) * 2 - 1;
  auto [logits, code_logits] = D.forward_with_codes(images);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{8}));
  EXPECT_EQ(code_logits.sizes(), (std::vector<int64_t>{8, 6}));
  EXPECT_TRUE(torch::allclose(logits, D.forward(images)));  // train mode: the same batch statistics
}

// The fraction of fresh noise rows whose code Q reads back from G's image.
double code_accuracy(train::Trainer& trainer, int64_t codes) {
  torch::NoGradGuard no_grad;
  auto& D = dynamic_cast<models::CodeDiscriminator&>(*trainer.gan().discriminator);
  const auto z = torch::randn({512, 16});
  trainer.gan().generator->eval();
  trainer.gan().discriminator->eval();
  const auto guess = D.forward_with_codes(trainer.gan().generator->forward(z)).second.argmax(1);
  return guess.eq(models::latent_code(z, codes)).to(torch::kFloat64).mean().item<double>();
}

TEST(LatentCode, TrainingMakesTheCodeReadableFromTheImages) {
  const auto data = data::to_dataset(genai::testing::make_tiny_images(256), "tiny", torch::kCPU);
  train::Trainer trained(info_config(4, 1), data, torch::kCPU), ignored(info_config(4, 0), data, torch::kCPU);
  EXPECT_FALSE(trained.runs_hand_written_step());
  const auto head_before = ignored.gan().discriminator->named_parameters()["code_head.weight"].clone();
  for (int i = 0; i < 60; ++i) trained.step(), ignored.step();
  torch::manual_seed(9);
  const double accuracy = code_accuracy(trained, 4);
  torch::manual_seed(9);
  const double untrained = code_accuracy(ignored, 4);
  EXPECT_GT(accuracy, 0.9);  // chance is 0.25
  EXPECT_LT(untrained, 0.6);
  // With weight 0 the head gets no gradient, so Adam leaves it where it started.
  EXPECT_TRUE(torch::equal(ignored.gan().discriminator->named_parameters()["code_head.weight"], head_before));
}

}  // namespace
}  // namespace genai
