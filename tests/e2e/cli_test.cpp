// End-to-end: the real genai binary on tiny IDX data the test writes itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;
using genai::testing::png_size;
using genai::testing::read_text;
using genai::testing::run_genai;
using genai::testing::TempDir;

constexpr const char* kTinyTrain = "--data tiny --steps 20 --batch-size 16 --log-every 5 --sample-every 10 --checkpoint-every 10 --threads 1";

class Cli : public ::testing::Test {
 protected:
  void SetUp() override { genai::testing::write_tiny_dataset(dir_.path() / "tiny", 64); }
  fs::path path(const std::string& name) const { return dir_.path() / name; }
  // One line on stderr, starting "genai: error: ", containing `text`.
  void expect_one_line_error(const genai::testing::CommandResult& r, int code, const std::string& text) {
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_EQ(r.err.rfind("genai: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
  }
  TempDir dir_;
};

TEST_F(Cli, EveryPresetParsesAndResolves) {
  int presets = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(genai::testing::source_dir()) / "configs")) {
    if (entry.path().extension() != ".toml") continue;
    ++presets;
    const auto r = run_genai("train --config " + entry.path().string() + " --print-config", dir_.path());
    EXPECT_EQ(r.exit_code, 0) << entry.path() << ": " << r.err;
    EXPECT_NE(r.out.find("model = "), std::string::npos) << entry.path();
  }
  EXPECT_GE(presets, 5);
}

TEST_F(Cli, TrainWritesTheRunDirectoryThenSampleWritesAGrid) {
  auto r = run_genai(std::string("train ") + kTinyTrain + " --out run", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, path("run").string().substr(dir_.path().string().size() + 1) + "\n");
  for (const char* f : {"config.toml", "train.log", "metrics.jsonl", "loss_curve.png", "samples/step_000010.png", "samples/step_000020.png",
                        "checkpoints/step_00000010.pt", "checkpoints/step_00000020.pt"})
    EXPECT_TRUE(fs::is_regular_file(path("run") / f)) << f;
  // metrics.jsonl: one object per log interval with every field.
  std::istringstream lines(read_text((path("run") / "metrics.jsonl").string()));
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    const auto record = nlohmann::json::parse(line);  // throws (and fails the test) on a malformed line
    EXPECT_EQ(record.at("step"), 5 * count) << line;
    for (const char* key : {"epoch", "d_loss", "g_loss", "d_real", "d_fake", "img_per_s", "elapsed_s"})
      EXPECT_TRUE(record.at(key).is_number()) << key << " in " << line;
    EXPECT_GT(record.at("d_real").get<double>(), 0.0);  // a mean of sigmoid outputs
    EXPECT_LT(record.at("d_real").get<double>(), 1.0);
  }
  EXPECT_EQ(count, 4);
  EXPECT_NE(read_text((path("run") / "config.toml").string()).find("batch-size = 16"), std::string::npos);
  EXPECT_NE(read_text((path("run") / "train.log").string()).find("step 20/20"), std::string::npos);
  EXPECT_EQ(r.err.find('\033'), std::string::npos);                                                      // not a terminal: no control characters
  EXPECT_EQ(png_size(path("run") / "samples/step_000020.png"), std::make_pair(8 * 30 + 2, 8 * 30 + 2));  // 64 = 8 x 8

  auto s = run_genai("sample --run run -n 10 --nrow 5 --seed 3 --out a.png --individual each", dir_.path());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(s.out, "a.png\n");
  EXPECT_EQ(png_size(path("a.png")), std::make_pair(5 * 30 + 2, 2 * 30 + 2));
  EXPECT_EQ(png_size(path("each") / "000009.png"), std::make_pair(28, 28));
  // Same checkpoint and seed: byte-identical; another seed: different.
  ASSERT_EQ(run_genai("sample --checkpoint run/checkpoints/step_00000020.pt -n 10 --nrow 5 --seed 3 --out b.png", dir_.path()).exit_code, 0);
  EXPECT_EQ(genai::testing::read_bytes(path("a.png").string()), genai::testing::read_bytes(path("b.png").string()));
  ASSERT_EQ(run_genai("sample --run run -n 10 --nrow 5 --seed 4 --out c.png", dir_.path()).exit_code, 0);
  EXPECT_NE(genai::testing::read_bytes(path("a.png").string()), genai::testing::read_bytes(path("c.png").string()));
}

// Two trainings sharing cores must not stall each other: with more than one thread, train restarts itself once
// with a bounded OpenMP spin count (its model's), unless the user chose one.
TEST_F(Cli, TrainBoundsTheOpenMpSpinUnlessTheUserChoseOne) {
  const std::string flags = "train --data tiny --steps 2 --batch-size 16 --threads 2 --sample-every 0 --no-tensorboard -v";
  auto r = run_genai(flags + " --model dcgan --dcgan-channels 4 --out a", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("OpenMP: GOMP_SPINCOUNT=1000\n"), std::string::npos) << r.err;
  r = run_genai(flags + " --model mlp --out b", dir_.path());
  EXPECT_NE(r.err.find("OpenMP: GOMP_SPINCOUNT=10000\n"), std::string::npos) << r.err;
  ::setenv("GOMP_SPINCOUNT", "77", 1);
  r = run_genai(flags + " --out c", dir_.path());
  ::unsetenv("GOMP_SPINCOUNT");
  EXPECT_NE(r.err.find("OpenMP: GOMP_SPINCOUNT=77\n"), std::string::npos) << r.err;
  r = run_genai("train --data tiny --steps 2 --batch-size 16 --threads 1 --sample-every 0 --no-tensorboard -v --out d", dir_.path());
  EXPECT_EQ(r.err.find("GOMP_SPINCOUNT"), std::string::npos) << r.err;  // one thread: nothing spins, no restart
}

TEST_F(Cli, KeepsOnlyTheNewestCheckpoints) {
  auto r = run_genai(std::string("train ") + kTinyTrain + " --checkpoint-every 5 --keep-checkpoints 2 --out run", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(path("run") / "checkpoints")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"step_00000015.pt", "step_00000020.pt"}));
}

TEST_F(Cli, SameSeedTwiceGivesTheSameCheckpointWeights) {
  ASSERT_EQ(run_genai(std::string("train ") + kTinyTrain + " --model dcgan --dcgan-channels 8 --out a", dir_.path()).exit_code, 0);
  ASSERT_EQ(run_genai(std::string("train ") + kTinyTrain + " --model dcgan --dcgan-channels 8 --out b", dir_.path()).exit_code, 0);
  ASSERT_EQ(run_genai("sample --run a -n 16 --out a.png", dir_.path()).exit_code, 0);
  ASSERT_EQ(run_genai("sample --run b -n 16 --out b.png", dir_.path()).exit_code, 0);
  EXPECT_EQ(genai::testing::read_bytes(path("a.png").string()), genai::testing::read_bytes(path("b.png").string()));
}

TEST_F(Cli, ConfigFileIsReadAndFlagsOverrideIt) {
  std::ofstream(path("c.toml")) << "[train]\nmodel = \"dcgan\"\nbatch-size = 8\nlr-g = 0.001\n";
  auto r = run_genai("train --config c.toml --batch-size 4 --print-config", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model = \"dcgan\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("batch-size = 4\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lr-g = 0.001"), std::string::npos) << r.out;
  // The printed config reads back to itself.
  std::ofstream(path("resolved.toml")) << r.out;
  auto again = run_genai("train --config resolved.toml --print-config", dir_.path());
  EXPECT_EQ(again.out, r.out);
}

TEST_F(Cli, PresetsParse) {
  const auto configs = fs::path(genai::testing::source_dir()) / "configs";
  for (const char* preset : {"mnist-mlp.toml", "mnist-dcgan.toml", "fashion-dcgan.toml"}) {
    auto r = run_genai("train --config " + (configs / preset).string() + " --print-config", dir_.path());
    EXPECT_EQ(r.exit_code, 0) << preset << ": " << r.err;
  }
}

TEST_F(Cli, HelpAndVersion) {
  for (const char* args : {"--help", "train --help", "sample --help"}) {
    auto r = run_genai(args, dir_.path());
    EXPECT_EQ(r.exit_code, 0) << args;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << args;
  }
  EXPECT_EQ(run_genai("--version", dir_.path()).out.rfind("genai 0.", 0), 0u);
}

TEST_F(Cli, BadFlagsAreUsageErrors) {
  expect_one_line_error(run_genai("train --bogus", dir_.path()), 2, "--bogus");
  expect_one_line_error(run_genai("train --batch-size 0", dir_.path()), 2, "batch-size = 0 must be in [1, 65536]");
  expect_one_line_error(run_genai("train --batch-size many", dir_.path()), 2, "many");
  expect_one_line_error(run_genai("train --model vae", dir_.path()), 2, "--model: \"vae\" is unknown; use mlp, dcgan, cmlp or cdcgan");
  expect_one_line_error(run_genai("train --device tpu", dir_.path()), 2, "device = \"tpu\" is not valid");
  expect_one_line_error(run_genai("train --lr-g -1 --steps -3", dir_.path()), 2, "2 problems");
  expect_one_line_error(run_genai("", dir_.path()), 2, "subcommand");
  expect_one_line_error(run_genai("sample", dir_.path()), 2, "exactly one of --checkpoint FILE or --run DIR");
}

TEST_F(Cli, BadConfigFilesAreUsageErrors) {
  std::ofstream(path("typo.toml")) << "[train]\nbatch-sise = 8\n";
  expect_one_line_error(run_genai("train --config typo.toml", dir_.path()), 2, "batch-sise");
  expect_one_line_error(run_genai("train --config missing.toml", dir_.path()), 2, "missing.toml");
}

TEST_F(Cli, DataProblemsAreRuntimeErrorsNamingTheFile) {
  expect_one_line_error(run_genai("train --data mnist --data-root nowhere", dir_.path()), 1, "run scripts/get-data.sh mnist");
  expect_one_line_error(run_genai("train --data no-such-dir", dir_.path()), 2, "not a directory");
  // A corrupt image file: bad magic.
  std::ofstream(path("tiny") / "train-images-idx3-ubyte", std::ios::trunc) << "garbage!";
  auto r = run_genai(std::string("train ") + kTinyTrain + " --out run", dir_.path());
  expect_one_line_error(r, 1, "train-images-idx3-ubyte: not an IDX file (bad magic number");
  EXPECT_FALSE(fs::exists(path("run")));  // nothing half-made is left behind
}

TEST_F(Cli, BatchLargerThanTheDataset) {
  expect_one_line_error(run_genai("train --data tiny --batch-size 100 --out run", dir_.path()), 2,
                        "batch-size = 100 is larger than the dataset (64 images)");
}

TEST_F(Cli, ExistingRunDirectoryNeedsForce) {
  fs::create_directories(path("run"));
  std::ofstream(path("run") / "keep.txt") << "x";
  expect_one_line_error(run_genai(std::string("train ") + kTinyTrain + " --out run", dir_.path()), 2, "pass --force");
  EXPECT_EQ(run_genai(std::string("train ") + kTinyTrain + " --out run --force", dir_.path()).exit_code, 0);
}

TEST_F(Cli, BadCheckpointsAreRuntimeErrors) {
  std::ofstream(path("bad.pt")) << "not a checkpoint";
  expect_one_line_error(run_genai("sample --checkpoint bad.pt", dir_.path()), 1, "bad.pt: not a genai checkpoint (no GENAI-CHECKPOINT header)");
  expect_one_line_error(run_genai("sample --checkpoint none.pt", dir_.path()), 1, "none.pt: no such checkpoint file");
  expect_one_line_error(run_genai("sample --run tiny", dir_.path()), 1, "no checkpoints folder");
  ASSERT_EQ(run_genai(std::string("train ") + kTinyTrain + " --out run", dir_.path()).exit_code, 0);
  expect_one_line_error(run_genai("sample --run run --out missing-dir/x.png", dir_.path()), 1, "its directory does not exist");
  expect_one_line_error(run_genai("sample --run run -n 0", dir_.path()), 2, "count = 0 must be in [1, 1000000]");
}

TEST_F(Cli, UnwritableRunDirectoryIsFoundBeforeTraining) {
  // A path below a regular file can be created by nobody, root included.
  std::ofstream(path("file")) << "x";
  auto r = run_genai(std::string("train ") + kTinyTrain + " --out file/run", dir_.path());
  expect_one_line_error(r, 1, "file/run: cannot create directory");
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace genai
