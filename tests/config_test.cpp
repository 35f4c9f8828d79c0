#include "genai/config.h"

#include <gtest/gtest.h>

#include "genai/config/schema.h"
#include "genai/error.h"

namespace genai {
namespace {

std::string error_of(const TrainConfig& c) {
  try {
    validate(c);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, DefaultsAreValid) { EXPECT_EQ(error_of(TrainConfig{}), "no error"); }

TEST(Config, EveryProblemIsReportedAtOnceWithItsRange) {
  TrainConfig c;
  c.batch_size = 0;
  c.adam_g.lr = -1;
  c.model.kind = "vae";
  const auto message = error_of(c);
  EXPECT_NE(message.find("3 problems"), std::string::npos) << message;
  EXPECT_NE(message.find("batch-size = 0 must be in [1, 65536]"), std::string::npos) << message;
  EXPECT_NE(message.find("lr-g = -1.0 must be in (0, 1)"), std::string::npos) << message;
  EXPECT_NE(message.find("model = \"vae\" is unknown; use mlp, dcgan, cmlp or cdcgan"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(Config, TomlHasATrainSectionAndEveryKey) {
  TrainConfig c;
  c.model.g_hidden = {512, 256};
  c.adam_d.lr = 1e-4;
  const auto toml = to_toml(c);
  EXPECT_NE(toml.find("[train]\n"), std::string::npos);
  EXPECT_NE(toml.find("g-hidden = [512, 256]\n"), std::string::npos);
  EXPECT_NE(toml.find("lr-d = 0.0001"), std::string::npos);
  EXPECT_NE(toml.find("model = \"mlp\"\n"), std::string::npos);
}

TEST(ConfigSchema, EveryFieldRoundTripsThroughTheToml) {
  TrainConfig c;
  c.model.kind = "cdcgan";
  c.model.z_dim = 17;
  c.model.g_hidden = {9, 8, 7};
  c.model.g_norm = "none";
  c.data = "some \"quoted\" dir";
  c.seed = 18446744073709551615ULL;  // the largest seed survives as an unsigned integer
  c.adam_g.lr = 1.0 / 3.0;           // a double survives to the last bit
  c.ema_decay = 0.999;
  c.tensorboard = false;
  c.max_time = "3h55m";
  c.on_nan = "rollback";
  const std::string toml = to_toml(c);
  for (const auto& field : train_fields())
    EXPECT_NE(toml.find("\n" + std::string(field.key) + " = " + toml_value(field, c) + "\n"), std::string::npos) << field.key << " in\n" << toml;
  const TrainConfig back = parse_train_config(toml);
  EXPECT_EQ(to_toml(back), toml);
  EXPECT_EQ(back.seed, c.seed);
  EXPECT_EQ(back.adam_g.lr, c.adam_g.lr);
  EXPECT_EQ(back.data, c.data);
  EXPECT_FALSE(back.tensorboard);
}

TEST(ConfigSchema, AnUnknownSavedKeyIsAnError) { EXPECT_THROW(parse_train_config("[train]\nbatch-sise = 3\n"), RuntimeError); }

TEST(ConfigSchema, ResumeTakesGivenResumableKeysAndRefusesTheOthers) {
  TrainConfig saved, asked;
  saved.steps = 100;
  asked.steps = 300;
  asked.tensorboard = false;
  asked.batch_size = 7;  // differs, but not given: ignored
  asked.out = "runs/x";
  const auto given = [](const std::string& key) { return key == "steps" || key == "tensorboard"; };
  const TrainConfig merged = resumed_config(saved, asked, given, "c.pt");
  EXPECT_EQ(merged.steps, 300);
  EXPECT_FALSE(merged.tensorboard);
  EXPECT_EQ(merged.batch_size, saved.batch_size);
  EXPECT_EQ(merged.out, "runs/x");
  try {
    resumed_config(
        saved, asked, [](const std::string& key) { return key == "batch-size" || key == "steps"; }, "c.pt");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--resume: batch-size = 7 (the run has 64) contradicts the saved config of c.pt"), std::string::npos) << message;
    // The list of what may change comes from the schema.
    EXPECT_NE(message.find("only data-root, device, threads, steps, epochs, log-every"), std::string::npos) << message;
    EXPECT_NE(message.find("tensorboard, max-time, on-nan may change on resume"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace genai
