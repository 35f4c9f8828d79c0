#include "genai/train/trainer.h"

#include <gtest/gtest.h>

#include <functional>

#include "genai/losses.h"
#include "support.h"

namespace genai::train {
namespace {

using genai::testing::tiny_config;
using genai::testing::tiny_dataset;

// Every parameter and buffer of both networks, bit for bit.
bool same_tensors(const std::vector<torch::Tensor>& x, const std::vector<torch::Tensor>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!torch::equal(x[i], y[i])) return false;
  return true;
}

bool same_weights(Trainer& a, Trainer& b) {
  auto& ga = *a.gan().generator;
  auto& gb = *b.gan().generator;
  auto& da = *a.gan().discriminator;
  auto& db = *b.gan().discriminator;
  return same_tensors(ga.parameters(), gb.parameters()) && same_tensors(ga.buffers(), gb.buffers()) &&
         same_tensors(da.parameters(), db.parameters()) && same_tensors(da.buffers(), db.buffers());
}

TEST(Trainer, DiscriminatorStepLowersTheDiscriminatorLossOnItsBatch) {
  for (const char* kind : {"mlp", "dcgan"}) {
    Trainer trainer(tiny_config(kind, 7), tiny_dataset(128), torch::kCPU);
    auto data = tiny_dataset(128);
    auto real = data.float_images().narrow(0, 0, 16);
    torch::Tensor fake;
    {
      torch::NoGradGuard g;
      fake = trainer.gan().generator->forward(torch::randn({16, 100}));
    }
    auto loss_on_batch = [&] {
      torch::NoGradGuard g;
      return discriminator_loss(trainer.gan().discriminator->forward(real), trainer.gan().discriminator->forward(fake)).item<double>();
    };
    const double before = loss_on_batch();
    const double during = trainer.discriminator_step(real, fake).item<double>();
    const double after = loss_on_batch();
    EXPECT_NEAR(during, before, 1e-5) << kind;  // the step reports the loss before its update (train mode)
    EXPECT_LT(after, before) << kind;
  }
}

TEST(Trainer, GeneratorStepRaisesDOfGOfZ) {
  Trainer trainer(tiny_config("mlp", 7), tiny_dataset(128), torch::kCPU);
  auto z = torch::randn({16, 100});
  auto score = [&] {
    torch::NoGradGuard g;
    return trainer.gan().discriminator->forward(trainer.gan().generator->forward(z)).mean().item<double>();
  };
  const double before = score();
  trainer.generator_step(trainer.gan().generator->forward(z));
  EXPECT_GT(score(), before);
}

TEST(Trainer, SameSeedGivesBitwiseEqualWeightsAfter20Steps) {
  for (const char* kind : {"mlp", "dcgan"}) {
    Trainer a(tiny_config(kind, 7), tiny_dataset(128), torch::kCPU);
    Trainer b(tiny_config(kind, 7), tiny_dataset(128), torch::kCPU);
    Trainer other(tiny_config(kind, 8), tiny_dataset(128), torch::kCPU);
    for (int i = 0; i < 20; ++i) a.step(), b.step(), other.step();
    EXPECT_TRUE(same_weights(a, b)) << kind;
    EXPECT_FALSE(same_weights(a, other)) << kind;  // the comparison can fail
  }
}

// The library leaves the process's default generator as it found it: a Trainer's weights follow config.seed alone
// (bitwise what seeding the default generator before building the models gave), and the caller's own stream goes
// on as if no Trainer had been built.
TEST(Trainer, WeightsFollowTheSeedAndTheCallersRandomStreamIsUntouched) {
  for (const char* kind : {"mlp", "dcgan"}) {
    auto c = tiny_config(kind, 31);
    c.model.spectral_norm = true;  // spectral norm's u and v are drawn too
    c.ema_decay = 0.9;             // and the EMA generator is built
    torch::manual_seed(5);
    const auto expected_draw = torch::rand({8});
    torch::manual_seed(5);
    Trainer trainer(c, tiny_dataset(128), torch::kCPU);
    EXPECT_TRUE(torch::equal(torch::rand({8}), expected_draw)) << kind << ": the caller's stream moved";
    torch::manual_seed(c.seed);  // how the weights were seeded before the library kept out of the default generator
    const auto reference = models::make_gan(c.model);
    EXPECT_TRUE(same_tensors(trainer.gan().generator->parameters(), reference.generator->parameters())) << kind;
    EXPECT_TRUE(same_tensors(trainer.gan().discriminator->parameters(), reference.discriminator->parameters())) << kind;
    EXPECT_TRUE(same_tensors(trainer.gan().discriminator->buffers(), reference.discriminator->buffers())) << kind;
  }
}

TEST(Trainer, RunReportsIntervalMeansAndCallsEveryEvent) {
  auto config = tiny_config("mlp", 7);
  config.log_every = 5;
  config.sample_every = 10;
  config.checkpoint_every = 0;  // only at the end
  Trainer trainer(config, tiny_dataset(128), torch::kCPU);
  std::vector<StepMetrics> logs;
  std::vector<int64_t> samples, checkpoints;
  TrainerEvents events;
  events.on_log = [&](const StepMetrics& m) { logs.push_back(m); };
  events.on_samples = [&](int64_t s) { samples.push_back(s); };
  events.on_checkpoint = [&](int64_t s) { checkpoints.push_back(s); };
  trainer.run(23, events);
  ASSERT_EQ(logs.size(), 5u);  // 5, 10, 15, 20 and the last step 23
  EXPECT_EQ(logs.back().step, 23);
  EXPECT_EQ(samples, (std::vector<int64_t>{10, 20, 23}));
  EXPECT_EQ(checkpoints, (std::vector<int64_t>{23}));
  for (const auto& m : logs) {
    EXPECT_GT(m.d_loss, 0);
    EXPECT_GT(m.g_loss, 0);
    EXPECT_GT(m.d_real, 0);
    EXPECT_LT(m.d_real, 1);
    EXPECT_GT(m.images_per_second, 0);
  }
  EXPECT_EQ(logs[0].epoch, 0);
  EXPECT_EQ(logs.back().epoch, 2);  // 8 batches per epoch: step 23 is in epoch 2
}

TEST(LearningRateFactor, ConstantThenLinearToTheLastStep) {
  EXPECT_DOUBLE_EQ(learning_rate_factor(0.5, 0, 100), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_factor(0.5, 49, 100), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_factor(0.5, 50, 100), 1.0);  // the first decayed step still takes 50/50
  EXPECT_DOUBLE_EQ(learning_rate_factor(0.5, 75, 100), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate_factor(0.5, 99, 100), 0.02);  // the last step: 1/50, never 0
  EXPECT_DOUBLE_EQ(learning_rate_factor(0.0, 0, 4), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_factor(0.0, 3, 4), 0.25);
  EXPECT_DOUBLE_EQ(learning_rate_factor(0.9, 7, 8), 1.0);  // floor(7.2) = 7 constant steps, then 1/1
  EXPECT_DOUBLE_EQ(learning_rate_factor(1.0, 99, 100), 1.0);
}

// run(4) with the decay from half-way takes steps 0-2 at the rates and step 3 at half of them (factor 2/2, then 1/2):
// the same weights as constant rates for 3 steps, both rates halved, one more step. Both the MLP's hand-written
// step and the autograd iteration (dcgan) read the schedule.
TEST(Trainer, LearningRateDecayScalesBothOptimizersFromItsStartStep) {
  for (const char* kind : {"mlp", "dcgan"}) {
    auto decayed = tiny_config(kind, 7), constant = tiny_config(kind, 7);
    decayed.lr_decay_start = 0.5;
    Trainer a(decayed, tiny_dataset(128), torch::kCPU), b(constant, tiny_dataset(128), torch::kCPU), c(constant, tiny_dataset(128), torch::kCPU);
    a.run(4, {});
    b.run(3, {});
    b.scale_learning_rates(0.5);
    b.run(4, {});
    c.run(4, {});
    EXPECT_TRUE(same_weights(a, b)) << kind;
    EXPECT_FALSE(same_weights(a, c)) << kind;
    EXPECT_DOUBLE_EQ(a.learning_rate_g(), decayed.adam_g.lr) << kind;  // the base rate, as checkpoints keep it
  }
}

TEST(Trainer, FixedSamplesAreTheSameNoiseEveryTime) {
  Trainer trainer(tiny_config("dcgan", 7), tiny_dataset(128), torch::kCPU);
  auto a = trainer.fixed_samples();
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{4, 1, 28, 28}));
  EXPECT_TRUE(torch::equal(a, trainer.fixed_samples()));
  trainer.step();
  EXPECT_FALSE(torch::equal(a, trainer.fixed_samples()));  // the generator moved, the noise did not
}

TEST(Trainer, OtherObjectivesTakeTheAutogradStep) {
  auto c = tiny_config("mlp", 7);
  EXPECT_TRUE(Trainer(c, tiny_dataset(128), torch::kCPU).runs_hand_written_step());  // BCE: MlpStep's gradients
  c.loss = Loss::kHinge;
  EXPECT_FALSE(Trainer(c, tiny_dataset(128), torch::kCPU).runs_hand_written_step());
  c.loss = Loss::kBce;
  c.r1_gamma = 1;  // lazy R1: MlpStep on the steps without it (tests/train/mlp_step_test.cpp)
  EXPECT_TRUE(Trainer(c, tiny_dataset(128), torch::kCPU).runs_hand_written_step());
  // Every option that changes D's function or input has no hand-written gradients either.
  for (auto change : std::vector<std::function<void(TrainConfig&)>>{
           [](TrainConfig& t) { t.augment = Augment::kCutout; }, [](TrainConfig& t) { t.model.spectral_norm = true; },
           [](TrainConfig& t) { t.model.minibatch_stddev = 4; }, [](TrainConfig& t) { t.loss = Loss::kWganGp; },
           [](TrainConfig& t) { t.model.info_codes = 4; }, [](TrainConfig& t) { t.mode_seeking = 1; },
           [](TrainConfig& t) { t.model.clusters = 3; }}) {
    auto other = tiny_config("mlp", 7);
    change(other);
    EXPECT_FALSE(Trainer(other, tiny_dataset(128), torch::kCPU).runs_hand_written_step());
  }
}

TEST(Trainer, GradientPenaltyChangesTheCriticUpdateButNotTheReportedLoss) {
  for (const char* kind : {"mlp", "dcgan"}) {
    auto plain = tiny_config(kind, 7), penalised = tiny_config(kind, 7);
    plain.loss = penalised.loss = Loss::kWganGp;
    plain.gp_weight = 0;
    Trainer a(plain, tiny_dataset(128), torch::kCPU), b(penalised, tiny_dataset(128), torch::kCPU);
    const auto real = tiny_dataset(16).float_images();
    const auto fake = torch::randn({16, 1, 28, 28}).tanh();
    const auto loss_a = a.discriminator_step(real, fake), loss_b = b.discriminator_step(real, fake);
    EXPECT_EQ(loss_a.item<double>(), loss_b.item<double>()) << kind;
    EXPECT_FALSE(same_weights(a, b)) << kind;
  }
}

TEST(Trainer, AugmentationDrawsFromTheSeededStream) {
  auto augmented = tiny_config("dcgan", 7);
  augmented.augment = Augment::kTranslationCutout;
  Trainer a(augmented, tiny_dataset(128), torch::kCPU), b(augmented, tiny_dataset(128), torch::kCPU),
      plain(tiny_config("dcgan", 7), tiny_dataset(128), torch::kCPU);
  for (int i = 0; i < 5; ++i) a.step(), b.step(), plain.step();
  EXPECT_TRUE(same_weights(a, b));
  EXPECT_FALSE(same_weights(a, plain));
}

TEST(Trainer, EveryRegularizerTogetherTrainsEveryKindWithoutNaN) {
  for (const char* kind : {"mlp", "dcgan", "cmlp", "cdcgan"}) {
    auto c = tiny_config(kind, 7);
    c.model.classes = is_conditional(c.model.kind) ? 10 : 0;
    c.loss = Loss::kWganGp;
    c.model.spectral_norm = true;
    c.model.minibatch_stddev = 4;
    c.augment = Augment::kTranslationCutout;
    c.r1_gamma = 1;
    c.r1_every = 2;
    c.ema_decay = 0.9;
    c.mode_seeking = 1;
    if (!is_conditional(c.model.kind)) c.model.info_codes = 3;
    Trainer trainer(c, tiny_dataset(128), torch::kCPU);
    for (int i = 0; i < 4; ++i) trainer.step();
    EXPECT_TRUE(trainer.weights_finite()) << kind;
    EXPECT_EQ(trainer.steps_done(), 4) << kind;
  }
}

TEST(Trainer, R1ChangesTheDiscriminatorUpdateButNotTheReportedLoss) {
  for (const char* kind : {"mlp", "dcgan"}) {
    auto plain = tiny_config(kind, 7), with_r1 = tiny_config(kind, 7);
    with_r1.r1_gamma = 10;
    with_r1.r1_every = 1;
    Trainer a(plain, tiny_dataset(128), torch::kCPU), b(with_r1, tiny_dataset(128), torch::kCPU);
    ASSERT_TRUE(same_weights(a, b));
    const auto real = tiny_dataset(16).float_images();
    const auto fake = torch::randn({16, 1, 28, 28}).tanh();
    const auto loss_a = a.discriminator_step(real, fake), loss_b = b.discriminator_step(real, fake);
    EXPECT_EQ(loss_a.item<double>(), loss_b.item<double>()) << kind;  // the adversarial loss alone, before the update
    EXPECT_FALSE(same_weights(a, b)) << kind;                         // the penalty moved D differently
  }
}

TEST(Trainer, ModeSeekingChangesTheGeneratorUpdateOnly) {
  auto plain = tiny_config("dcgan", 7), seeking = tiny_config("dcgan", 7);
  seeking.mode_seeking = 1;
  Trainer a(plain, tiny_dataset(128), torch::kCPU), b(seeking, tiny_dataset(128), torch::kCPU);
  const auto real = tiny_dataset(16).float_images();
  const auto fake = torch::randn({16, 1, 28, 28}).tanh();
  a.discriminator_step(real, fake), b.discriminator_step(real, fake);
  EXPECT_TRUE(same_weights(a, b));  // D's objective is unchanged
  const auto z = torch::randn({16, 100});
  const auto loss_a = a.generator_step(a.gan().generator->forward(z), {}, z), loss_b = b.generator_step(b.gan().generator->forward(z), {}, z);
  EXPECT_EQ(loss_a.item<double>(), loss_b.item<double>());  // the reported loss is the adversarial one alone
  EXPECT_FALSE(same_tensors(a.gan().generator->parameters(), b.gan().generator->parameters()));
}

TEST(Trainer, EveryLossTrainsWithoutNaN) {
  for (const auto& [loss, spelling] : ClosedSet<Loss>::members) {
    auto c = tiny_config("dcgan", 7);
    c.loss = loss;
    c.r1_gamma = 1;
    c.r1_every = 2;
    Trainer trainer(c, tiny_dataset(128), torch::kCPU);
    for (int i = 0; i < 4; ++i) trainer.step();
    EXPECT_TRUE(trainer.weights_finite()) << spelling;
  }
}

TEST(Trainer, TotalStepsFromStepsOrEpochs) {
  TrainConfig c;
  EXPECT_EQ(total_steps(c, 937), kDefaultSteps);
  c.epochs = 3;
  EXPECT_EQ(total_steps(c, 937), 2811);
  c.steps = 50;
  EXPECT_EQ(total_steps(c, 937), 50);
}

}  // namespace
}  // namespace genai::train
