#include "genai/config.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace genai
