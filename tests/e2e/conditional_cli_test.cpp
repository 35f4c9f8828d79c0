// End-to-end: conditional training, class grids, interpolation, IDX export -> --data, TSTR, and the
// errors of asking an unconditional model for classes.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "genai/data/idx.h"
#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;
using genai::testing::png_size;
using genai::testing::run_genai;
using genai::testing::TempDir;

// make_grid: 28 px cells with 2 px of padding around and between them.
int grid_side(int cells) { return cells * 28 + (cells + 1) * 2; }

class ConditionalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    genai::testing::write_tiny_dataset(dir_->path() / "tiny", 200);
    trained_ = run_genai("train --model cmlp --data tiny --steps 12 --batch-size 20 --threads 1 --ema-decay 0.9 --out crun", dir_->path());
    plain_ = run_genai("train --data tiny --steps 4 --batch-size 20 --threads 1 --out run", dir_->path());
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    ASSERT_EQ(trained_.exit_code, 0) << trained_.err;
    ASSERT_EQ(plain_.exit_code, 0) << plain_.err;
  }
  static fs::path path(const std::string& name) { return dir_->path() / name; }
  static genai::testing::CommandResult genai(const std::string& arguments) { return run_genai(arguments, dir_->path()); }
  static void expect_error(const genai::testing::CommandResult& r, int code, const std::string& text) {
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_EQ(r.err.rfind("genai: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
  }
  static TempDir* dir_;
  static genai::testing::CommandResult trained_, plain_;
};
TempDir* ConditionalCli::dir_ = nullptr;
genai::testing::CommandResult ConditionalCli::trained_, ConditionalCli::plain_;

TEST_F(ConditionalCli, ClassGridHasOneRowPerClassAndEmaIsUsed) {
  const auto r = genai("sample --run crun --class-grid --nrow 5 --out classes.png");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(png_size(path("classes.png")), std::make_pair(grid_side(5), grid_side(10)));
  EXPECT_NE(r.err.find("(EMA weights)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("one row per class (0, 1, 2"), std::string::npos) << r.err;
  // --no-ema: the raw weights give other pixels.
  ASSERT_EQ(genai("sample --run crun --class-grid --nrow 5 --no-ema --out raw.png").exit_code, 0);
  EXPECT_NE(genai::testing::read_bytes(path("classes.png").string()), genai::testing::read_bytes(path("raw.png").string()));
}

TEST_F(ConditionalCli, OneClassAndInterpolationGrids) {
  ASSERT_EQ(genai("sample --run crun --class 7 -n 12 --nrow 4 --out sevens.png").exit_code, 0);
  EXPECT_EQ(png_size(path("sevens.png")), std::make_pair(grid_side(4), grid_side(3)));
  ASSERT_EQ(genai("sample --run crun --interpolate 1:2,3:4,5:6 --steps 7 --out walk.png").exit_code, 0);
  EXPECT_EQ(png_size(path("walk.png")), std::make_pair(grid_side(7), grid_side(3)));
  ASSERT_EQ(genai("sample --run crun --interpolate-class 3:8 --steps 6 --rows 2 --out morph.png").exit_code, 0);
  EXPECT_EQ(png_size(path("morph.png")), std::make_pair(grid_side(6), grid_side(2)));
  ASSERT_EQ(genai("sample --run run --interpolate 1:2 --steps 5 --out plain_walk.png").exit_code, 0);  // unconditional too
}

TEST_F(ConditionalCli, IdxExportLoadsBackWithData) {
  const auto r = genai("sample --run crun --format idx -n 100 --gzip --out synth");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto set = data::read_labeled_images(path("synth/train-images-idx3-ubyte.gz").string(), path("synth/train-labels-idx1-ubyte.gz").string());
  EXPECT_EQ(set.images.dims, (std::vector<int64_t>{100, 28, 28}));
  std::vector<int> counts(10, 0);
  for (uint8_t label : set.labels.bytes) ++counts.at(label);
  EXPECT_EQ(counts, std::vector<int>(10, 10)) << "classes are not balanced";
  ASSERT_EQ(genai("sample --run crun --format idx -n 30 --class 4 --out fours").exit_code, 0);
  const auto fours = data::read_idx(path("fours/train-labels-idx1-ubyte").string(), 1);
  EXPECT_EQ(fours.bytes, std::vector<uint8_t>(30, 4));
  // An existing data set is never overwritten (nor shadowed by a raw twin of its .gz files).
  expect_error(genai("sample --run crun --format idx -n 10 --out synth"), 2, "--out synth already holds train-images-idx3-ubyte.gz");
  // The exported set trains a model with --data.
  const auto again = genai("train --data synth --steps 2 --batch-size 10 --threads 1 --out from_synth");
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(ConditionalCli, EvalReportsConditionalAccuracyPerClassFdAndTstr) {
  const auto r = genai(
      "eval --run crun --samples 100 --kid-subsets 2 --kid-subset-size 20 --classifier-epochs 1 --no-parzen --tstr "
      "--json s.json --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* text :
       {"conditional accuracy", "FD-LeNet (vs that class's test images)", "train on synthetic, test on real", "200 generated images", "EMA weights"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " in\n" << r.out;
  const auto json = nlohmann::json::parse(genai::testing::read_text(path("s.json").string()));
  EXPECT_TRUE(json.at("conditional").at("accuracy").is_number());
  EXPECT_EQ(json.at("conditional").at("class_fd_lenet").size(), 10u);
  EXPECT_EQ(json.at("conditional").at("class_accuracy").size(), 10u);
  EXPECT_EQ(json.at("tstr").at("images"), 200);
  EXPECT_EQ(json.at("ema"), true);
}

TEST_F(ConditionalCli, ClassRequestsOfTheWrongModelAreOneLineErrors) {
  expect_error(genai("sample --run run --class 3"), 2,
               "--class needs a conditional model (cmlp or cdcgan); run/checkpoints/step_00000004.pt holds an unconditional mlp generator");
  expect_error(genai("sample --run run --class-grid"), 2, "--class-grid needs a conditional model");
  expect_error(genai("sample --run run --interpolate-class 1:2"), 2, "--interpolate-class needs a conditional model");
  expect_error(genai("sample --run crun --class 10"), 2, "--class 10 is out of range; the model has classes 0 to 9");
  expect_error(genai("sample --run crun --interpolate-class 3:12"), 2, "class 12 is out of range");
  expect_error(genai("sample --run crun --interpolate 3-8"), 2, "--interpolate \"3-8\" is not two non-negative integers A:B");
  expect_error(genai("sample --run crun --class-grid --interpolate 1:2"), 2, "exclude each other");
  expect_error(genai("sample --run crun --format idx"), 2, "--format idx needs --out DIR");
  expect_error(genai("sample --run crun --format jpeg"), 2, "format = \"jpeg\" is unknown; use png, idx or folder");
  expect_error(genai("eval --run run --tstr"), 2, "--tstr needs a conditional model (cmlp or cdcgan)");
  expect_error(genai("train --model cmlp --data tiny --ema-decay 1.5"), 2, "ema-decay = 1.5 must be in [0, 1)");
}

}  // namespace
}  // namespace genai
