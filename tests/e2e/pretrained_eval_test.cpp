// genai eval with the ImageNet-trained EfficientNet-Lite0 (data/networks, from scripts/get-data.sh efficientnet-lite0;
// skipped without it, failed in CI): two folders scored against a third, as python -m pytorch_fid A B does, rank real
// icons above noise; an RGB checkpoint scores exactly like the PNG folder genai sample writes from it.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;
using genai::testing::run_genai;

class PretrainedEval : public ::testing::Test {
 protected:
  void SetUp() override {
    weights_ = fs::path(genai::testing::source_dir()) / "data/networks/efficientnet-lite0-57934424.pth";
    icons_ = fs::path(genai::testing::source_dir()) / "data/moka-icons";
    if (!fs::is_regular_file(weights_) || !fs::is_directory(icons_))
      GENAI_SKIP_OR_FAIL_WITHOUT_REAL_DATA("no data/networks weights or data/moka-icons; run scripts/get-data.sh efficientnet-lite0 moka-icons");
  }
  nlohmann::json eval(const std::string& arguments, const std::string& json) {
    const auto r =
        run_genai("eval " + arguments + " --efficientnet " + weights_.string() + " --threads 1 --kid-subsets 10 --json " + json, dir_.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(genai::testing::read_text((dir_.path() / json).string()));
  }
  genai::testing::TempDir dir_;
  fs::path weights_, icons_;
};

TEST_F(PretrainedEval, IconsScoreCloserToIconsThanNoiseDoes) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(icons_))
    if (entry.path().extension() == ".png") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 80u);
  fs::create_directories(dir_.path() / "a");
  fs::create_directories(dir_.path() / "b");
  for (size_t i = 0; i < 80; ++i) fs::copy_file(files[i], dir_.path() / (i % 2 ? "a" : "b") / files[i].filename());
  genai::testing::write_image_folder(dir_.path() / "noise", 40, 64);

  const auto icons = eval("--images a --data b", "icons.json");
  const auto noise = eval("--images noise --data b", "noise.json");
  const auto& block = icons["networks"][0];
  EXPECT_EQ(block["network"], "efficientnet-lite0");
  EXPECT_EQ(block["reference_count"], 40);
  EXPECT_EQ(block["scored"]["count"], 40);
  EXPECT_EQ(block["real"]["count"], 20);  // the floor: one half of b against the other
  const double fd_icons = block["scored"]["fd_efficientnet_lite0"], fd_noise = noise["networks"][0]["scored"]["fd_efficientnet_lite0"];
  std::printf("FD-EfficientNet-Lite0 against 40 icons: 40 other icons %.2f, 40 noise pictures %.2f, real floor (20 vs 20) %.2f\n", fd_icons, fd_noise,
              block["real"]["fd_efficientnet_lite0"].get<double>());
  EXPECT_GT(fd_icons, 0);
  EXPECT_LT(2 * fd_icons, fd_noise);
  EXPECT_GT(block["scored"]["precision"].get<double>(), noise["networks"][0]["scored"]["precision"].get<double>());
  EXPECT_FALSE(icons.contains("classifier"));  // no LeNet figures for RGB pictures
}

TEST_F(PretrainedEval, ACheckpointScoresLikeTheFolderSampledFromIt) {
  genai::testing::write_image_folder(dir_.path() / "pics", 32, 16);
  const auto t = run_genai("train --model dcgan --data pics --dcgan-channels 8 --steps 4 --batch-size 8 --sample-every 0 --out run", dir_.path());
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto s = run_genai("sample --run run --format folder -n 40 --seed 3 --out synth", dir_.path());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto from_run = eval("--run run --samples 40 --seed 3", "run.json");
  const auto from_folder = eval("--images synth --data pics --seed 3", "folder.json");
  const double a = from_run["networks"][0]["scored"]["fd_efficientnet_lite0"], b = from_folder["networks"][0]["scored"]["fd_efficientnet_lite0"];
  EXPECT_EQ(from_run["networks"][0]["scored"]["count"], 40);
  EXPECT_NEAR(a, b, 1e-9 * std::abs(b)) << "the same bytes must give the same figure";
}

}  // namespace
}  // namespace genai
