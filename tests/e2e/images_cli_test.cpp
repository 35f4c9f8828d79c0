// Users' own images through the real binary: RGB folders and CIFAR files in, RGB grids, PNG folders, exact resume
// out; checkpoints written before shapes were recorded still sample the same bytes.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "genai/util/sha256.h"
#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;
using genai::testing::run_genai;
using genai::testing::TempDir;

struct Png {
  int width = 0, height = 0, channels = 0;
};
Png png_info(const fs::path& path) {
  Png p;
  EXPECT_TRUE(stbi_info(path.c_str(), &p.width, &p.height, &p.channels)) << path;
  return p;
}

class Images : public ::testing::Test {
 protected:
  void SetUp() override {
    genai::testing::write_image_folder(dir_.path() / "pics", 48, 16);
    genai::testing::write_image_folder(dir_.path() / "classes", 48, 16, 3);
  }
  TempDir dir_;
};

TEST_F(Images, DcganOnAnRgbFolderWritesRgbGridsAndIndividualFiles) {
  const auto r = run_genai("train --model dcgan --data pics --dcgan-channels 8 --steps 6 --batch-size 8 --sample-every 0 --out run", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("cached the decoded images"), std::string::npos) << r.err;
  const std::string config = genai::testing::read_text((dir_.path() / "run/config.toml").string());
  EXPECT_NE(config.find("image-size = 16"), std::string::npos) << config;
  EXPECT_NE(config.find("channels = 3"), std::string::npos);
  const auto grid = png_info(dir_.path() / "run/samples/step_000006.png");
  EXPECT_EQ(grid.channels, 3);
  EXPECT_EQ(grid.width, 8 * 18 + 2);  // 64 cells in 8 columns of 16 px with 2 px of padding
  const auto s = run_genai("sample --run run -n 6 --nrow 3 --out g.png --individual one", dir_.path());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(png_info(dir_.path() / "g.png").width, 3 * 18 + 2);
  const auto single = png_info(dir_.path() / "one/000005.png");
  EXPECT_EQ(single.width, 16);
  EXPECT_EQ(single.channels, 3);
  // The second run reads the cache; --image-size and --channels convert.
  const auto again = run_genai(
      "train --model mlp --data pics --image-size 8 --channels 1 --g-hidden 16 --d-hidden 16 --steps 2 --batch-size 8 --out run8", dir_.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(png_info(dir_.path() / "run8/samples/step_000002.png").channels, 1);
}

TEST_F(Images, ConditionalFolderOutReadsBackWithItsClasses) {
  const auto r = run_genai("train --model cdcgan --data classes --dcgan-channels 8 --steps 4 --batch-size 8 --sample-every 0 --out run", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = run_genai("sample --run run --format folder -n 9 --out synth", dir_.path());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  for (const char* name : {"class_0", "class_1", "class_2"}) EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path() / "synth" / name), {}), 3);
  EXPECT_EQ(png_info(dir_.path() / "synth/class_1/000001.png").channels, 3);
  // --data reads the folder back as a labelled set with the same class names.
  const auto back = run_genai("train --model cdcgan --data synth --dcgan-channels 8 --steps 1 --batch-size 3 --out back", dir_.path());
  ASSERT_EQ(back.exit_code, 0) << back.err;
  // IDX is for 1x28x28 only, and says so before writing anything.
  const auto idx = run_genai("sample --run run --format idx --out idx", dir_.path());
  EXPECT_EQ(idx.exit_code, 2);
  EXPECT_NE(idx.err.find("--format idx writes 1x28x28 images"), std::string::npos) << idx.err;
  EXPECT_FALSE(fs::exists(dir_.path() / "idx"));
}

TEST_F(Images, CifarBatchesTrainAConditionalModel) {
  std::vector<uint8_t> batch;
  for (int i = 0; i < 40; ++i) {
    batch.push_back(static_cast<uint8_t>(i % 10));
    for (int p = 0; p < 3072; ++p) batch.push_back(static_cast<uint8_t>((p * 7 + i * 13) % 256));
  }
  fs::create_directories(dir_.path() / "cifar");
  std::ofstream(dir_.path() / "cifar/data_batch_1.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(batch.data()), static_cast<std::streamsize>(batch.size()));
  const auto r = run_genai("train --model cdcgan --data cifar --dcgan-channels 4 --steps 2 --batch-size 8 --out run", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(genai::testing::read_text((dir_.path() / "run/config.toml").string()).find("image-size = 32"), std::string::npos);
  const auto s = run_genai("sample --run run --class-grid --nrow 2 --out classes.png", dir_.path());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(png_info(dir_.path() / "classes.png").height, 10 * 34 + 2);  // one row per class

  // With a test batch, genai eval scores the conditional model in its own classifier, a ConvNet for 3x32x32.
  std::ofstream(dir_.path() / "cifar/test_batch.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(batch.data()), static_cast<std::streamsize>(batch.size() / 2));
  const auto e = run_genai(
      "eval --run run --networks classifier --classifier-epochs 1 --samples 40 --kid-subsets 2 --kid-subset-size 10 --no-parzen "
      "--tstr --json scores.json",
      dir_.path());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  for (const char* wanted :
       {"FD-ConvNet (n = 40", "conditional accuracy", "FD-ConvNet (vs that class's test images)", "train on synthetic, test on real"})
    EXPECT_NE(e.out.find(wanted), std::string::npos) << wanted << "\n" << e.out;
  const auto json = nlohmann::json::parse(genai::testing::read_text((dir_.path() / "scores.json").string()));
  EXPECT_EQ(json.at("classifier").at("network"), "ConvNet");
  EXPECT_EQ(json.at("test_count"), 20);
  EXPECT_TRUE(json.at("generator").contains("fd_convnet"));
  EXPECT_EQ(json.at("tstr").at("images"), 40);
}

TEST_F(Images, SigtermAndResumeOnAnRgbRunEndInTheStraightRunsBytes) {
  const std::string flags = "--model dcgan --data pics --dcgan-channels 8 --batch-size 8 --seed 3 --threads 1 --sample-every 0 --log-every 5 ";
  ASSERT_EQ(run_genai("train " + flags + "--steps 200 --checkpoint-every 200 --out straight", dir_.path()).exit_code, 0);
  const int pid = genai::testing::spawn_genai("train " + flags + "--steps 200 --checkpoint-every 200 --out split", dir_.path());
  // Wait until training is under way (the first metrics line), then ask it to stop.
  const auto metrics = dir_.path() / "split" / "metrics.jsonl";
  for (int i = 0; i < 600 && (!fs::exists(metrics) || fs::file_size(metrics) == 0); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(pid, SIGTERM);
  const int stopped = genai::testing::wait_for_exit(pid);
  ASSERT_EQ(stopped, 75) << "the run was to stop on SIGTERM with a checkpoint (exit 75)";
  const auto resumed = run_genai("train --resume --out split", dir_.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto a = genai::testing::read_bytes((dir_.path() / "straight/checkpoints/step_00000200.pt").string());
  const auto b = genai::testing::read_bytes((dir_.path() / "split/checkpoints/step_00000200.pt").string());
  EXPECT_GT(a.size(), 10000u);
  EXPECT_TRUE(a == b) << "the resumed run's final checkpoint differs from the straight run's (stopped with exit " << stopped << ")";
}

// Checkpoints made by genai before shapes were recorded (tests/data/legacy/README.md) read as 1x28x28 and sample the
// bytes that genai sampled from them.
TEST(LegacyCheckpoints, SampleTheSameBytesAsBefore) {
  TempDir dir;
  const fs::path legacy = fs::path(genai::testing::source_dir()) / "tests/data/legacy";
  const std::string mlp = (legacy / "mlp-v0.1.0.pt").string(), cdcgan = (legacy / "cdcgan-v0.1.0.pt").string();
  ASSERT_EQ(run_genai("sample --checkpoint " + mlp + " -n 16 --nrow 4 --seed 3 --out mlp-grid.png", dir.path()).exit_code, 0);
  ASSERT_EQ(run_genai("sample --checkpoint " + cdcgan + " --class-grid --nrow 4 --seed 3 --out cdcgan-classes.png", dir.path()).exit_code, 0);
  ASSERT_EQ(run_genai("sample --checkpoint " + cdcgan + " -n 8 --seed 5 --out cdcgan-grid.png --individual ind", dir.path()).exit_code, 0);
  std::ifstream sums(legacy / "SHA256SUMS");
  int checked = 0;
  for (std::string hash, name; sums >> hash >> name; ++checked) EXPECT_EQ(util::sha256_file((dir.path() / name).string()), hash) << name;
  EXPECT_EQ(checked, 4);
}

}  // namespace
}  // namespace genai
