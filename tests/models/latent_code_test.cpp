// InfoGAN's categorical latent code (--info-codes): the code's bins, the models around it, and what training
// does with it.
#include "genai/models/latent_code.h"

#include <gtest/gtest.h>

#include "genai/data/clusters.h"
#include "genai/models/conditional.h"
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

TEST(LatentCode, WeightedCodesBinByTheirFrequencies) {
  // Frequencies 2 : 1 : 1 put the edges at 0.5 and 0.75: Phi(-1) = 0.159 -> 0, Phi(0) = 0.5 -> 1 (an edge belongs
  // to the code above it), Phi(0.2) = 0.579 -> 1, Phi(1) = 0.841 -> 2, Phi(0.6744) = 0.75 - 3e-5 -> 1.
  auto inner = models::make_generator([] {
    ModelConfig m;
    m.kind = ModelKind::kMlp;
    m.z_dim = 5 + models::kLabelEmbeddingDim;
    m.g_hidden = {8};
    return m;
  }());
  models::LatentCodeGenerator generator(inner, 3, /*weighted=*/true);
  const auto z = noise_with_last({-1.0, 0.0, 0.2, 1.0, 0.6744, -40.0, 40.0});
  // Until frequencies are set, the split is equal (edges 1/3, 2/3), as the unweighted code.
  EXPECT_TRUE(torch::equal(generator.code_of(z), models::latent_code(z, 3)));
  generator.set_code_frequencies(torch::tensor({20, 10, 10}));
  EXPECT_TRUE(torch::allclose(generator.named_buffers()["code_edges"], torch::tensor({0.5, 0.75}, torch::kFloat64)));
  const std::vector<int64_t> expected = {0, 1, 1, 2, 1, 0, 2};
  const auto codes = generator.code_of(z);
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(codes[static_cast<int64_t>(i)].item<int64_t>(), expected[i]) << i;
  // Drawn at those frequencies: shares 0.5, 0.25, 0.25 (binomial standard deviation at most 0.0016 for 100,000).
  torch::manual_seed(2);
  const auto shares = torch::bincount(generator.code_of(torch::randn({100000, 5})), {}, 3).to(torch::kFloat64) / 100000;
  EXPECT_LT((shares - torch::tensor({0.5, 0.25, 0.25}, torch::kFloat64)).abs().max().item<double>(), 0.008) << shares;
}

TEST(LatentCode, ClustersConditionDOnTheRealImagesClustersAndGOnItsOwn) {
  TrainConfig c;
  c.model.kind = ModelKind::kDcgan;
  c.model.dcgan_channels = 8;
  c.model.z_dim = 16;
  c.model.clusters = 3;
  c.batch_size = 32;
  c.seed = 5;
  c.sample_grid = 4;
  const auto data = data::to_dataset(genai::testing::make_tiny_images(256), "tiny", torch::kCPU);
  train::Trainer trainer(c, data, torch::kCPU);
  EXPECT_FALSE(trainer.runs_hand_written_step());
  EXPECT_EQ(trainer.gan().generator->classes(), 0);  // sampling, eval and export draw z alone
  ASSERT_NE(dynamic_cast<models::ProjectionDiscriminator*>(trainer.gan().discriminator.get()), nullptr);
  // G's code edges are the cumulative shares of the k-means clusters of the images (seeded with the run's seed).
  const auto clusters = data::kmeans_labels(data.float_images(), 3, 5);
  const auto shares = torch::bincount(clusters, {}, 3).to(torch::kFloat64).cumsum(0) / 256;
  EXPECT_TRUE(torch::allclose(trainer.gan().generator->named_buffers()["code_edges"], shares.narrow(0, 0, 2))) << shares;
  // The data's own labels play no part: the same images under other labels train the same weights, step for step.
  auto relabelled = data;
  relabelled.labels = (data.labels + 1).remainder(10);
  train::Trainer other(c, relabelled, torch::kCPU);
  for (int i = 0; i < 3; ++i) trainer.step(), other.step();
  EXPECT_TRUE(trainer.weights_finite());
  for (const auto& [name, w] : trainer.gan().discriminator->named_parameters().pairs())
    EXPECT_TRUE(torch::equal(w, other.gan().discriminator->named_parameters()[name])) << name;
  // Whereas the conditional model, on the same images, learns from the labels.
  c.model.clusters = 0;
  c.model.kind = ModelKind::kCdcgan;
  c.model.classes = 10;
  train::Trainer labelled(c, data, torch::kCPU), mislabelled(c, relabelled, torch::kCPU);
  for (int i = 0; i < 3; ++i) labelled.step(), mislabelled.step();
  EXPECT_FALSE(torch::equal(labelled.gan().discriminator->parameters()[0], mislabelled.gan().discriminator->parameters()[0]));
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
