// End-to-end: genai eval and genai train --eval-every on tiny IDX data the test writes itself.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;
using genai::testing::read_text;
using genai::testing::run_genai;
using genai::testing::TempDir;

constexpr const char* kSmallEval = "--samples 40 --kid-subsets 3 --kid-subset-size 20 --classifier-epochs 2 --threads 1";

class EvalCli : public ::testing::Test {
 protected:
  void SetUp() override { genai::testing::write_tiny_dataset(dir_.path() / "tiny", 200); }
  std::vector<fs::path> cached_classifiers() const {
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(dir_.path() / "tiny"))
      if (e.path().filename().string().rfind("genai-classifier-v", 0) == 0) found.push_back(e.path());
    return found;
  }
  // The scorecard without its last line (the wall time).
  static std::string figures(const std::string& table) { return table.substr(0, table.rfind("Evaluation took")); }
  TempDir dir_;
};

TEST_F(EvalCli, ScoresARunCachesTheClassifierAndIsDeterministic) {
  ASSERT_EQ(run_genai("train --data tiny --steps 20 --batch-size 16 --threads 1 --out run", dir_.path()).exit_code, 0);
  const auto first = run_genai(std::string("eval --run run --json scores.json ") + kSmallEval, dir_.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  for (const char* text :
       {"generator:  run/checkpoints/step_00000020.pt (mlp, step 20, EMA weights)", "FD-LeNet (n = 40)", "NOT comparable to Inception FID",
        "KID (3 subsets of 20)", "precision (k = 3)", "coverage (k = 5)", "Parzen log-likelihood", "real data"})
    EXPECT_NE(first.out.find(text), std::string::npos) << text << " in\n" << first.out;
  EXPECT_NE(first.err.find("training the eval classifier on 200 images"), std::string::npos) << first.err;
  ASSERT_EQ(cached_classifiers().size(), 1u);

  const auto json = nlohmann::json::parse(read_text((dir_.path() / "scores.json").string()));
  EXPECT_EQ(json.at("samples"), 40);
  EXPECT_EQ(json.at("seed"), 0);
  EXPECT_EQ(json.at("test_count"), 50);
  EXPECT_EQ(json.at("generator").at("count"), 40);
  EXPECT_EQ(json.at("real").at("count"), 40);
  EXPECT_TRUE(json.at("classifier").at("path").is_string());
  EXPECT_TRUE(json.at("generator").at("precision").is_number());
  EXPECT_TRUE(json.at("generator").at("parzen").is_object());

  // The second eval reuses the cached classifier and, with the same seed, prints the same figures.
  const auto second = run_genai(std::string("eval --run run ") + kSmallEval, dir_.path());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err.find("training the eval classifier"), std::string::npos) << second.err;
  EXPECT_EQ(figures(second.out), figures(first.out));
  // Another seed draws other samples: the generator's figures change.
  const auto reseeded = run_genai(std::string("eval --run run --seed 5 ") + kSmallEval, dir_.path());
  ASSERT_EQ(reseeded.exit_code, 0) << reseeded.err;
  EXPECT_NE(figures(reseeded.out), figures(first.out));
}

TEST_F(EvalCli, DataAloneScoresOnlyTheRealData) {
  const auto r = run_genai(std::string("eval --data tiny --no-parzen ") + kSmallEval, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("generator:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FD-LeNet"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Parzen"), std::string::npos) << "--no-parzen ignored:\n" << r.out;
}

// A folder of 28x28 digits (as genai sample --format folder writes it) gets the LeNet scorecard against IDX data.
TEST_F(EvalCli, AFolderOfDigitsGetsTheLeNetFigures) {
  ASSERT_EQ(run_genai("train --data tiny --steps 20 --batch-size 16 --threads 1 --out run", dir_.path()).exit_code, 0);
  const auto s = run_genai("sample --run run --format folder -n 40 --out synth", dir_.path());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto r = run_genai(std::string("eval --images synth --data tiny --json scores.json ") + kSmallEval, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("images:     synth (40 images)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("40 images from synth"), std::string::npos) << r.out;
  const auto json = nlohmann::json::parse(read_text((dir_.path() / "scores.json").string()));
  EXPECT_EQ(json.at("images"), "synth");
  EXPECT_EQ(json.at("samples"), 40);
  EXPECT_EQ(json.at("generator").at("count"), 40);
  EXPECT_TRUE(json.at("generator").at("fd_lenet").is_number());
  EXPECT_FALSE(json.contains("networks"));  // auto: no pretrained network for MNIST-style data
}

TEST_F(EvalCli, TrainEvalEveryAppendsQuickEvalsToMetricsAndResumes) {
  const auto r =
      run_genai("train --data tiny --steps 20 --batch-size 16 --threads 1 --log-every 5 --eval-every 10 --eval-samples 30 --out run", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("eval at step 10: FD-LeNet"), std::string::npos) << r.err;
  std::istringstream lines(read_text((dir_.path() / "run/metrics.jsonl").string()));
  std::string line;
  int evals = 0, losses = 0;
  double last_wall = 0;
  while (std::getline(lines, line)) {
    const auto record = nlohmann::json::parse(line);
    if (record.contains("fd_lenet")) {
      ++evals;
      EXPECT_GT(record.at("wall_s").get<double>(), last_wall) << line;  // training wall time, rising
      last_wall = record.at("wall_s").get<double>();
      EXPECT_EQ(record.at("step"), 10 * evals) << line;
      EXPECT_EQ(record.at("eval_samples"), 30) << line;
      EXPECT_TRUE(record.at("classifier_score").is_number()) << line;
      EXPECT_TRUE(record.at("modes_covered").is_number_integer()) << line;
    } else if (record.contains("d_loss")) {
      ++losses;
    }
  }
  EXPECT_EQ(evals, 2);  // steps 10 and 20
  EXPECT_EQ(losses, 4);
  EXPECT_NE(read_text((dir_.path() / "run/config.toml").string()).find("eval-every = 10"), std::string::npos);
  // quality_curve.png: FD-LeNet and classes covered against wall time, an 800x500 RGB PNG.
  int width = 0, height = 0, channels = 0;
  unsigned char* pixels = stbi_load((dir_.path() / "run/quality_curve.png").string().c_str(), &width, &height, &channels, 0);
  ASSERT_NE(pixels, nullptr) << "no readable quality_curve.png";
  EXPECT_EQ(width, 800);
  EXPECT_EQ(height, 500);
  EXPECT_EQ(channels, 3);
  int blue = 0;  // the FD line's colour is drawn
  for (int i = 0; i < width * height; ++i) blue += pixels[3 * i] == 31 && pixels[3 * i + 1] == 119 && pixels[3 * i + 2] == 180;
  EXPECT_GT(blue, 20);
  stbi_image_free(pixels);
  // Quick-eval lines do not confuse the resumed loss history, and the resumed run's times continue from its last eval.
  const auto resumed = run_genai("train --resume --out run --steps 30", dir_.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("eval at step 30"), std::string::npos) << resumed.err;
  std::istringstream after(read_text((dir_.path() / "run/metrics.jsonl").string()));
  double resumed_wall = 0;
  while (std::getline(after, line)) {
    const auto record = nlohmann::json::parse(line);
    if (record.contains("fd_lenet") && record.at("step") == 30) resumed_wall = record.at("wall_s").get<double>();
  }
  EXPECT_GT(resumed_wall, last_wall);
}

TEST_F(EvalCli, NonFiniteWeightsStopTrainingBeforeAQuickEvalScoresThem) {
  // Step 7 is an eval step but not a log step: the weights poisoned after step 6 must be reported as a
  // divergence there, not scored (nor swallowed as a failed eval).
  const auto r = run_genai(
      "train --data tiny --steps 20 --batch-size 16 --threads 1 --log-every 10 --checkpoint-every 5 --eval-every 7 "
      "--eval-samples 20 --inject-nan-at-step 6 --out run",
      dir_.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("training diverged: non-finite weights by step 7"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("quick eval at step 7 failed"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace genai
