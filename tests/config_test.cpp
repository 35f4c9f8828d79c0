#include "genai/config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <tuple>

#include "genai/config/schema.h"
#include "genai/error.h"
#include "support.h"

namespace genai {
namespace {

std::string validation_error(const TrainConfig& c) {
  try {
    validate(c);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, DefaultsAreValid) { EXPECT_EQ(validation_error(TrainConfig{}), "no error"); }

TEST(Config, EveryProblemIsReportedAtOnceWithItsRange) {
  TrainConfig c;
  c.batch_size = 0;
  c.adam_g.lr = -1;
  c.steps = -2;
  c.model.g_hidden = {256, 0};
  const auto message = validation_error(c);
  EXPECT_NE(message.find("4 problems"), std::string::npos) << message;
  EXPECT_NE(message.find("batch-size = 0 must be in [1, 65536]"), std::string::npos) << message;
  EXPECT_NE(message.find("lr-g = -1.0 must be in (0, 1)"), std::string::npos) << message;
  EXPECT_NE(message.find("steps = -2 must be at least 0 (0: use epochs)"), std::string::npos) << message;
  EXPECT_NE(message.find("g-hidden size 0 must be in [1, 65536]"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(Config, RegularizerOptionsAreChecked) {
  TrainConfig c;
  c.model.minibatch_stddev = -1;
  c.gp_weight = -0.5;
  const auto message = validation_error(c);
  EXPECT_NE(message.find("2 problems"), std::string::npos) << message;
  EXPECT_NE(message.find("minibatch-stddev = -1 must be in [0, 256] (0: none)"), std::string::npos) << message;
  EXPECT_NE(message.find("gp-weight = -0.5 must be in [0, 1e+06]"), std::string::npos) << message;
}

TEST(Config, ClustersNeedAnUnconditionalModelWithoutInfoCodes) {
  TrainConfig c;
  c.model.clusters = 1;
  EXPECT_NE(validation_error(c).find("clusters = 1 is no choice; use 0 (none) or at least 2, e.g. 50"), std::string::npos) << validation_error(c);
  c.model.clusters = 257;
  EXPECT_NE(validation_error(c).find("clusters = 257 must be in [0, 256] (0: none)"), std::string::npos) << validation_error(c);
  c.model.kind = ModelKind::kCmlp;
  c.model.clusters = 10;
  EXPECT_NE(validation_error(c).find("clusters with model = \"cmlp\": the conditional models are conditioned on the labels; use --clusters 0, or "
                                     "model mlp or dcgan"),
            std::string::npos)
      << validation_error(c);
  c.model.kind = ModelKind::kDcgan;
  c.model.info_codes = 10;
  EXPECT_NE(validation_error(c).find("clusters and info-codes both give G a discrete code; use one of them"), std::string::npos)
      << validation_error(c);
  c.model.info_codes = 0;
  EXPECT_NO_THROW(validate(c));
}

TEST(Config, InfoCodesNeedAnUnconditionalModelAndTwoValues) {
  TrainConfig c;
  c.model.info_codes = 1;
  EXPECT_NE(validation_error(c).find("info-codes = 1 is no choice; use 0 (none) or at least 2, e.g. 10"), std::string::npos) << validation_error(c);
  c.model.kind = ModelKind::kCdcgan;
  c.model.info_codes = 10;
  EXPECT_NE(validation_error(c).find("info-codes with model = \"cdcgan\": the conditional models already take the class as their code"),
            std::string::npos)
      << validation_error(c);
  c.model.info_codes = 257;
  EXPECT_NE(validation_error(c).find("info-codes = 257 must be in [0, 256] (0: none)"), std::string::npos) << validation_error(c);
  c.model.kind = ModelKind::kDcgan;
  c.model.info_codes = 10;
  c.info_weight = -1;
  EXPECT_NE(validation_error(c).find("info-weight = -1.0 must be in [0, 1e+06]"), std::string::npos) << validation_error(c);
  c.info_weight = 1;
  EXPECT_NO_THROW(validate(c));
  c.mode_seeking = 1;
  c.batch_size = 1;
  EXPECT_NE(validation_error(c).find("batch-size = 1 with mode-seeking: the term compares pairs of images in a batch; use a batch of at least 2"),
            std::string::npos)
      << validation_error(c);
}

TEST(Config, ModelKindsAreNamedAndKnowTheirProperties) {
  EXPECT_EQ(model_kind_names(), "mlp, dcgan, cmlp or cdcgan");
  for (const char* kind : {"mlp", "dcgan", "cmlp", "cdcgan"}) EXPECT_STREQ(name(model_kind(kind)), kind);
  EXPECT_FALSE(is_conditional(ModelKind::kMlp));
  EXPECT_TRUE(is_conditional(ModelKind::kCmlp));
  EXPECT_TRUE(is_conditional(ModelKind::kCdcgan));
  EXPECT_FALSE(is_convolutional(ModelKind::kCmlp));
  EXPECT_TRUE(is_convolutional(ModelKind::kDcgan));
  EXPECT_TRUE(is_convolutional(ModelKind::kCdcgan));
  EXPECT_FALSE(find_member<ModelKind>("MLP"));  // names are exact, as in TOML
  EXPECT_THROW(model_kind("vae"), UsageError);
}

// Every closed set's spellings are what checkpoints and configs of earlier versions hold, each member has one,
// and the properties the code asks follow them.
TEST(Config, ClosedSetsKeepTheirSpellings) {
  EXPECT_EQ(member_names<Loss>(), "bce, hinge, lsgan or wgan-gp");
  EXPECT_EQ(member_names<GeneratorNorm>(), "batch or none");
  EXPECT_EQ(member_names<Augment>(), "none, translation, cutout or translation,cutout");
  EXPECT_EQ(member_names<OnNan>(), "stop or rollback");
  for (const char* word : {"bce", "hinge", "lsgan", "wgan-gp"}) EXPECT_STREQ(name(*find_member<Loss>(word)), word);
  for (const char* word : {"none", "translation", "cutout", "translation,cutout"}) EXPECT_STREQ(name(*find_member<Augment>(word)), word);
  EXPECT_FALSE(find_member<Loss>("wgan"));
  EXPECT_FALSE(find_member<Augment>("cutout,translation"));  // no substring matching
  EXPECT_TRUE(uses_gradient_penalty(Loss::kWganGp));
  EXPECT_FALSE(uses_gradient_penalty(Loss::kHinge));
  EXPECT_TRUE(translates(Augment::kTranslationCutout) && cuts_out(Augment::kTranslationCutout));
  EXPECT_TRUE(translates(Augment::kTranslation) && !cuts_out(Augment::kTranslation));
  EXPECT_TRUE(!translates(Augment::kCutout) && cuts_out(Augment::kCutout));
  EXPECT_TRUE(!translates(Augment::kNone) && !cuts_out(Augment::kNone));
  EXPECT_TRUE(rolls_back(OnNan::kRollback) && !rolls_back(OnNan::kStop));
  EXPECT_TRUE(uses_batch_norm(GeneratorNorm::kBatch) && !uses_batch_norm(GeneratorNorm::kNone));
}

// A preset is measured with the values it spells out: every key that its kind's defaults change (genai train takes
// those for keys a config file leaves out) must be in the file, so a preset trains what its comments describe.
TEST(Config, EveryPresetSpellsOutWhatItsKindsDefaultsChange) {
  int presets = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(genai::testing::source_dir()) / "configs")) {
    if (entry.path().extension() != ".toml") continue;
    ++presets;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const TrainConfig preset = parse_train_config(text), plain;
    const TrainConfig defaults = model_defaults(preset.model.kind);
    for (const auto& field : train_fields()) {
      if (toml_value(field, defaults) == toml_value(field, plain)) continue;
      EXPECT_NE(text.find("\n" + std::string(field.key) + " = "), std::string::npos)
          << entry.path().filename().string() << " leaves out " << field.key << ", which --model " << name(preset.model.kind) << " changes";
    }
  }
  EXPECT_GE(presets, 7);
}

// The schema's ranges are what validate() enforces: for every numeric field with a range, a value just outside
// either end is one problem that names the key, and the end itself passes.
TEST(ConfigSchema, EveryRangeInTheTableIsEnforcedAtBothEnds) {
  int ranged = 0;
  for (const auto& field : train_fields()) {
    const FieldCheck& check = field.check;
    if (describe(check).empty()) continue;
    std::visit(
        [&](auto ref) {
          using T = std::decay_t<decltype(ref(std::declval<TrainConfig&>()))>;
          if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double> || std::is_same_v<T, std::vector<int64_t>>) {
            ++ranged;
            const double step = std::is_same_v<T, double> ? 1e-9 : 1;
            const auto set = [&](TrainConfig& c, double v) {
              if constexpr (std::is_same_v<T, std::vector<int64_t>>)
                ref(c) = {static_cast<int64_t>(v)};
              else
                ref(c) = static_cast<T>(v);
            };
            for (const auto& [end, open, outside] :
                 {std::tuple{check.min, check.min_open, check.min - step}, std::tuple{check.max, check.max_open, check.max + step}}) {
              if (std::isinf(end)) continue;
              TrainConfig c;
              set(c, outside);
              std::vector<std::string> problems;
              check_fields(c, problems);
              ASSERT_EQ(problems.size(), 1u) << field.key << " = " << outside;
              EXPECT_EQ(problems[0].rfind(field.key, 0), 0u) << problems[0];
              if (!open) {
                set(c, end);
                problems.clear();
                check_fields(c, problems);
                EXPECT_TRUE(problems.empty()) << field.key << " = " << end << ": " << problems.front();
              }
            }
          }
        },
        field.ref);
  }
  EXPECT_GE(ranged, 20);  // the table really has ranges
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
  c.model.kind = ModelKind::kCdcgan;
  c.model.z_dim = 17;
  c.model.g_hidden = {9, 8, 7};
  c.model.g_norm = GeneratorNorm::kNone;
  c.loss = Loss::kWganGp;
  c.augment = Augment::kTranslationCutout;
  c.data = "some \"quoted\" dir";
  c.seed = 18446744073709551615ULL;  // the largest seed survives as an unsigned integer
  c.adam_g.lr = 1.0 / 3.0;           // a double survives to the last bit
  c.ema_decay = 0.999;
  c.tensorboard = false;
  c.max_time = "3h55m";
  c.on_nan = OnNan::kRollback;
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
    EXPECT_NE(message.find("tensorboard, max-time, on-nan, dist-timeout, image-cache may change on resume"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace genai
