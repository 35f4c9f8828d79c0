// The train command's parsing in-process (src/cli is a library, genai_cli): flags from the schema, the errors a
// user sees, the typo suggestions. The binary's contract (one line, exit code) stays in tests/e2e.
#include <gtest/gtest.h>

#include "did_you_mean.h"
#include "genai/error.h"
#include "train_command.h"

namespace genai::cli {
namespace {

struct Parsed {
  CLI::App app;
  TrainOptions options;
  explicit Parsed(std::vector<std::string> args) {
    add_train_command(app, options);
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first
    args.push_back("train");
    app.parse(args);
  }
};

TEST(TrainOptions, FlagsFillTheConfigThroughTheSchema) {
  Parsed p({"--model", "cdcgan", "--g-hidden", "32,16", "--lr-d", "0.001", "--no-tensorboard", "--steps", "7", "--steps", "9"});
  EXPECT_EQ(p.options.config.model.kind, ModelKind::kCdcgan);
  EXPECT_EQ(p.options.config.model.g_hidden, (std::vector<int64_t>{32, 16}));
  EXPECT_DOUBLE_EQ(p.options.config.adam_d.lr, 0.001);
  EXPECT_FALSE(p.options.config.tensorboard);
  EXPECT_EQ(p.options.config.steps, 9);  // a repeated flag takes its last value
}

TEST(TrainOptions, AnUnknownModelIsAParseErrorNamingTheFlagAndTheKinds) {
  try {
    Parsed p({"--model", "vae"});
    FAIL() << "no error";
  } catch (const CLI::ParseError& e) {
    EXPECT_STREQ(e.what(), "--model: \"vae\" is unknown; use mlp, dcgan, cmlp or cdcgan");
  }
}

TEST(TrainOptions, EveryClosedSetIsParsedIntoItsEnumAndAnUnknownWordIsRefused) {
  Parsed p({"--loss", "wgan-gp", "--augment", "translation,cutout", "--g-norm", "none", "--on-nan", "rollback"});
  EXPECT_EQ(p.options.config.loss, Loss::kWganGp);
  EXPECT_EQ(p.options.config.augment, Augment::kTranslationCutout);
  EXPECT_EQ(p.options.config.model.g_norm, GeneratorNorm::kNone);
  EXPECT_EQ(p.options.config.on_nan, OnNan::kRollback);
  const std::pair<const char*, const char*> refused[] = {
      {"--loss", "--loss: \"wgan\" is unknown; use bce, hinge, lsgan or wgan-gp"},
      {"--augment", "--augment: \"wgan\" is unknown; use none, translation, cutout or translation,cutout"},
      {"--g-norm", "--g-norm: \"wgan\" is unknown; use batch or none"},
      {"--on-nan", "--on-nan: \"wgan\" is unknown; use stop or rollback"},
  };
  for (const auto& [flag, message] : refused) {
    try {
      Parsed bad({flag, "wgan"});
      ADD_FAILURE() << flag << ": no error";
    } catch (const CLI::ParseError& e) {
      EXPECT_STREQ(e.what(), message);
    }
  }
}

TEST(TrainOptions, ARangeErrorComesFromTheRunBeforeAnythingIsWritten) {
  Parsed p({"--batch-size", "0", "--out", "never-created"});
  train::TrainingRequest request;
  request.config = p.options.config;
  try {
    train::TrainingRun run(request);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "invalid config: batch-size = 0 must be in [1, 65536]");
  }
}

TEST(TrainOptions, TyposGetASuggestion) {
  EXPECT_EQ(edit_distance("batch-sise", "batch-size"), 1u);
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);  // a swap is one edit
  CLI::App app;
  TrainOptions options;
  auto* train = add_train_command(app, options);
  EXPECT_EQ(did_you_mean("The following argument was not expected: --batch-sise", app, train), " (did you mean --batch-size?)");
  // CLI11's own words are not typos, even two edits from a flag ("argument", "--augment").
  EXPECT_EQ(did_you_mean("The following arguments were not expected: 8", app, train), "");
}

}  // namespace
}  // namespace genai::cli
