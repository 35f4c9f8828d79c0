// The scorecard on tiny data: real data scored against itself gives the ideal values, the quick eval
// leaves out the expensive metrics, and the report shows every figure with its counts.
#include "genai/eval/scorecard.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "genai/error.h"
#include "genai/eval/report.h"
#include "support.h"

namespace genai {
namespace {

struct TinyEval {
  data::ImageDataset train = data::to_dataset(genai::testing::make_tiny_images(200, 1), "train", torch::kCPU);
  data::ImageDataset test = data::to_dataset(genai::testing::make_tiny_images(60, 2), "test", torch::kCPU);
  eval::Classifier classifier;
  eval::EvalSettings settings;
  TinyEval() {
    eval::ClassifierRecipe recipe;
    recipe.epochs = 2;
    recipe.batch_size = 16;
    classifier = eval::train_classifier(train, test, recipe, torch::kCPU, {});
    settings.samples = 60;
    settings.kid_subsets = 5;
    settings.kid_subset_size = 30;
    settings.parzen_validation = 20;
  }
};

TEST(Scorecard, TheTestSetScoredAgainstItselfIsIdeal) {
  TinyEval t;
  eval::EvalReference reference(t.classifier, t.train, t.test, t.settings, torch::kCPU);
  const auto m = reference.score(t.test.float_images());
  EXPECT_EQ(m.count, 60);
  EXPECT_NEAR(m.frechet_distance, 0.0, 1e-8);
  ASSERT_TRUE(m.precision_recall && m.density_coverage && m.kid && m.parzen);
  // Every sample lies in its own k-NN ball (distance 0), so all four are 1 or more.
  EXPECT_DOUBLE_EQ(m.precision_recall->precision, 1.0);
  EXPECT_DOUBLE_EQ(m.precision_recall->recall, 1.0);
  EXPECT_DOUBLE_EQ(m.density_coverage->coverage, 1.0);
  EXPECT_GE(m.density_coverage->density, 1.0 / t.settings.density_coverage_k);
  EXPECT_EQ(reference.validation_count(), 20);
  EXPECT_EQ(reference.baseline_count(), 60);
  EXPECT_EQ(reference.test_count(), 60);
}

TEST(Scorecard, NoiseScoresWorseThanRealTrainingImages) {
  TinyEval t;
  eval::EvalReference reference(t.classifier, t.train, t.test, t.settings, torch::kCPU);
  torch::manual_seed(3);
  const auto noise = reference.score(torch::rand({60, 1, 28, 28}) * 2 - 1);
  const auto& real = reference.real_baseline();
  EXPECT_EQ(real.count, 60);
  EXPECT_GT(noise.frechet_distance, 10 * real.frechet_distance);
  EXPECT_LT(noise.parzen->mean, real.parzen->mean);
  EXPECT_LT(noise.precision_recall->precision, real.precision_recall->precision);
  EXPECT_GT(noise.kid->mean, real.kid->mean);
  EXPECT_EQ(&reference.real_baseline(), &real) << "the baseline is computed once";
}

TEST(Scorecard, QuickScoreHasOnlyTheCheapMetrics) {
  TinyEval t;
  t.settings.parzen = false;
  eval::EvalReference reference(t.classifier, t.train, t.test, t.settings, torch::kCPU);
  const auto quick = reference.quick_score(t.test.float_images());
  EXPECT_NEAR(quick.frechet_distance, 0.0, 1e-8);
  EXPECT_FALSE(quick.kid || quick.precision_recall || quick.density_coverage || quick.parzen);
  EXPECT_EQ(quick.modes.histogram.size(), 10u);
  const auto json = nlohmann::json::parse(eval::quick_eval_json(500, quick, 12.5));
  EXPECT_EQ(json.at("step"), 500);
  EXPECT_EQ(json.at("eval_samples"), 60);
  EXPECT_NEAR(json.at("fd_lenet").get<double>(), quick.frechet_distance, 1e-12);
  EXPECT_DOUBLE_EQ(json.at("classifier_score").get<double>(), quick.classifier_score.mean);
  EXPECT_EQ(json.at("modes_covered"), quick.modes.covered);
  EXPECT_DOUBLE_EQ(json.at("mode_kl_to_uniform").get<double>(), quick.modes.kl_to_uniform);
}

TEST(Scorecard, TooFewSamplesForKIsAUsageError) {
  TinyEval t;
  t.settings.samples = 5;
  EXPECT_THROW(eval::EvalReference(t.classifier, t.train, t.test, t.settings, torch::kCPU), genai::UsageError);
}

TEST(Scorecard, ReportShowsEveryFigureWithCountsAndTheFidWarning) {
  TinyEval t;
  eval::EvalReference reference(t.classifier, t.train, t.test, t.settings, torch::kCPU);
  eval::Scorecard card;
  card.checkpoint = "run/checkpoints/step_00000020.pt";
  card.model_kind = "mlp";
  card.step = 20;
  card.data = "tiny";
  card.settings = t.settings;
  card.test_count = reference.test_count();
  card.baseline_count = reference.baseline_count();
  card.validation_count = reference.validation_count();
  card.classifier_key = std::string(64, 'a');
  card.model = reference.score(t.test.float_images());
  card.real = reference.real_baseline();
  const std::string table = eval::format_scorecard(card);
  for (const char* text : {"FD-LeNet (n = 60)", "NOT comparable to Inception FID", "KID (5 subsets of 30)", "classifier score (10 splits)",
                           "precision (k = 3)", "recall (k = 3)", "density (k = 5)", "coverage (k = 5)", "Parzen log-likelihood (nats)",
                           "weak metric", "20 validation images", "noise seed 0", "step 20"})
    EXPECT_NE(table.find(text), std::string::npos) << text << " in\n" << table;
  const auto json = nlohmann::json::parse(eval::scorecard_json(card));
  EXPECT_EQ(json.at("samples"), 60);
  EXPECT_EQ(json.at("seed"), 0);
  EXPECT_EQ(json.at("precision_recall_k"), 3);
  EXPECT_EQ(json.at("density_coverage_k"), 5);
  EXPECT_EQ(json.at("kid_subsets"), 5);
  EXPECT_EQ(json.at("classifier").at("key"), std::string(64, 'a'));
  EXPECT_EQ(json.at("step"), 20);
  EXPECT_EQ(json.at("checkpoint"), "run/checkpoints/step_00000020.pt");
  for (const char* set : {"generator", "real"}) {
    const auto& m = json.at(set);
    EXPECT_EQ(m.at("count"), 60) << set;
    EXPECT_EQ(m.at("mode_histogram").size(), 10u) << set;
    EXPECT_TRUE(m.at("kid").at("mean").is_number()) << set;
    EXPECT_TRUE(m.at("parzen").at("sigma").is_number()) << set;
    EXPECT_TRUE(m.at("precision").is_number() && m.at("coverage").is_number()) << set;
  }
  EXPECT_DOUBLE_EQ(json.at("generator").at("fd_lenet").get<double>(), card.model->frechet_distance);
  EXPECT_FALSE(json.contains("conditional"));
}

}  // namespace
}  // namespace genai
