// Batch-job survival, end to end: exact resume in a new process, stops on SIGTERM, --max-time.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "genai/checkpoint.h"
#include "genai/train/trainer.h"
#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;
using genai::testing::read_text;
using genai::testing::run_genai;
using genai::testing::TempDir;

constexpr const char* kFlags = "--data tiny --batch-size 16 --log-every 5 --sample-every 0 --threads 1 --model dcgan --dcgan-channels 8 --seed 11";

// A trainer holding a checkpoint's full state, to compare runs tensor by tensor.
struct LoadedRun {
  explicit LoadedRun(const std::string& checkpoint_path) {
    auto checkpoint = Checkpoint::open(checkpoint_path);
    TrainConfig config;
    config.model = checkpoint.meta().model;
    config.batch_size = 16;
    trainer = std::make_unique<train::Trainer>(config, data::to_dataset(genai::testing::make_tiny_images(64), "tiny", torch::kCPU), torch::kCPU);
    trainer->restore(checkpoint);
    meta = checkpoint.meta();
  }
  std::vector<torch::Tensor> weights() const {
    std::vector<torch::Tensor> all;
    for (torch::nn::Module* net :
         {static_cast<torch::nn::Module*>(trainer->gan().generator.get()), static_cast<torch::nn::Module*>(trainer->gan().discriminator.get())}) {
      for (const auto& p : net->parameters()) all.push_back(p);
      for (const auto& b : net->buffers()) all.push_back(b);
    }
    return all;
  }
  std::unique_ptr<train::Trainer> trainer;
  CheckpointMeta meta;
};

// Counts tensors that differ in any bit; -1 if the lists differ in length.
int differing(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return -1;
  int count = 0;
  for (size_t i = 0; i < a.size(); ++i) count += torch::equal(a[i], b[i]) ? 0 : 1;
  return count;
}

void expect_same_state(const std::string& a_path, const std::string& b_path) {
  LoadedRun a(a_path), b(b_path);
  EXPECT_EQ(a.meta.step, b.meta.step);
  EXPECT_EQ(a.meta.epoch, b.meta.epoch);
  EXPECT_EQ(a.meta.batch_in_epoch, b.meta.batch_in_epoch);
  const auto wa = a.weights(), wb = b.weights();
  const auto ma = a.trainer->optimizer_moments(), mb = b.trainer->optimizer_moments();
  std::printf("compared %zu weight and buffer tensors and %zu Adam moment tensors bit for bit\n", wa.size(), ma.size());
  EXPECT_EQ(differing(wa, wb), 0);
  EXPECT_EQ(differing(ma, mb), 0);
  EXPECT_GT(ma.size(), wa.size());  // exp_avg, exp_avg_sq and step for every parameter
}

class Resume : public ::testing::Test {
 protected:
  void SetUp() override { genai::testing::write_tiny_dataset(dir_.path() / "tiny", 64); }
  std::string ckpt(const std::string& run, int64_t step) const { return (dir_.path() / run / "checkpoints" / checkpoint_file_name(step)).string(); }
  // `train` with `flags` 11 steps straight into straight<suffix>, and 5 + 6 across two processes into split<suffix>:
  // the two end states must agree bit for bit. Returns the split run's step-11 checkpoint.
  std::string expect_split_run_matches_straight(const std::string& flags, const std::string& suffix = "") {
    const std::string common = "train --data tiny --batch-size 16 --log-every 5 --sample-every 0 --threads 1 --dcgan-channels 8 --seed 11 " + flags;
    const auto straight = run_genai(common + " --steps 11 --out straight" + suffix, dir_.path());
    EXPECT_EQ(straight.exit_code, 0) << straight.err;
    const auto first = run_genai(common + " --steps 5 --out split" + suffix, dir_.path());
    EXPECT_EQ(first.exit_code, 0) << first.err;
    const auto resumed = run_genai("train --resume --out split" + suffix + " --steps 11", dir_.path());
    EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
    expect_same_state(ckpt("straight" + suffix, 11), ckpt("split" + suffix, 11));
    return ckpt("split" + suffix, 11);
  }
  // `genai sample` from the two runs gives the same PNG bytes.
  void expect_same_samples(const std::string& run_a, const std::string& run_b) {
    ASSERT_EQ(run_genai("sample --run " + run_a + " --seed 2 --out a.png", dir_.path()).exit_code, 0);
    ASSERT_EQ(run_genai("sample --run " + run_b + " --seed 2 --out b.png", dir_.path()).exit_code, 0);
    EXPECT_EQ(genai::testing::read_bytes((dir_.path() / "a.png").string()), genai::testing::read_bytes((dir_.path() / "b.png").string()));
  }
  TempDir dir_;
};

TEST_F(Resume, NewProcessContinuesBitwiseLikeAStraightRun) {
  // N + M = 23 straight; N = 9, then a new process resumes to 23. 64 images / 16 = 4 batches per epoch, so the
  // resume point is in the middle of an epoch.
  ASSERT_EQ(run_genai(std::string("train ") + kFlags + " --steps 23 --out straight", dir_.path()).exit_code, 0);
  ASSERT_EQ(run_genai(std::string("train ") + kFlags + " --steps 9 --out split", dir_.path()).exit_code, 0);
  auto resumed = run_genai(std::string("train --resume --out split --steps 23 --data-root unused"), dir_.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(read_text((dir_.path() / "split" / "train.log").string()).find("resumed from"), std::string::npos);
  expect_same_state(ckpt("straight", 23), ckpt("split", 23));
  // And the same sampled PNG bytes.
  expect_same_samples("straight", "split");
}

TEST_F(Resume, EveryRegularizerResumesBitwise) {
  // Spectral normalization's power-iteration vectors, the augmentation and interpolation draws, lazy R1, the
  // minibatch-stddev feature and the EMA generator all continue exactly in a new process.
  for (const std::string model : {"dcgan", "cmlp"}) {
    LoadedRun run(expect_split_run_matches_straight(
        "--model " + model +
            " --loss wgan-gp --spectral-norm --minibatch-stddev 4 --augment translation,cutout --r1 1 --r1-every 2 --ema-decay 0.9 --mode-seeking 1",
        "-" + model));
    int vectors = 0;
    for (const auto& item : run.trainer->gan().discriminator->named_buffers()) vectors += item.key().find("sn_u") != std::string::npos;
    EXPECT_EQ(vectors, 3) << model;  // three layers of D, each with its u (and v) saved
    EXPECT_TRUE(run.meta.model.spectral_norm);
    EXPECT_EQ(run.meta.model.minibatch_stddev, 4);
  }
}

TEST_F(Resume, InfoCodesResumeBitwise) {
  LoadedRun run(expect_split_run_matches_straight("--model dcgan --info-codes 4 --info-weight 2 --mode-seeking 0.5"));
  EXPECT_EQ(run.meta.model.info_codes, 4);
  EXPECT_EQ(run.trainer->gan().discriminator->named_parameters()["code_head.weight"].size(0), 4);
  expect_same_samples("straight", "split");
}

TEST_F(Resume, ClustersResumeBitwise) {
  // The clusters are computed again on resume: the same images and seed must give the same ones.
  LoadedRun run(expect_split_run_matches_straight("--model dcgan --clusters 3 --mode-seeking 0.5 --ema-decay 0.9"));
  EXPECT_EQ(run.meta.model.clusters, 3);
  EXPECT_EQ(run.trainer->gan().generator->named_buffers()["code_edges"].size(0), 2);
  expect_same_samples("straight", "split");
}

TEST_F(Resume, TheComparisonCanFail) {
  ASSERT_EQ(run_genai(std::string("train ") + kFlags + " --steps 12 --out a", dir_.path()).exit_code, 0);
  ASSERT_EQ(run_genai(std::string("train ") + kFlags + " --steps 12 --seed 12 --out b", dir_.path()).exit_code, 0);
  LoadedRun a(ckpt("a", 12)), b(ckpt("b", 12));
  EXPECT_GT(differing(a.weights(), b.weights()), 0);
  EXPECT_GT(differing(a.trainer->optimizer_moments(), b.trainer->optimizer_moments()), 0);
}

TEST_F(Resume, SigtermAtARandomStepCheckpointsAndResumesExactly) {
  const int pid = genai::testing::spawn_genai(std::string("train ") + kFlags + " --steps 1000000 --checkpoint-every 0 --out killed", dir_.path());
  // Wait until training is under way (the first metrics line), then ask it to stop.
  const auto metrics = dir_.path() / "killed" / "metrics.jsonl";
  for (int i = 0; i < 600 && (!fs::exists(metrics) || fs::file_size(metrics) == 0); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(37));
  ::kill(pid, SIGTERM);
  ASSERT_EQ(genai::testing::wait_for_exit(pid), 75) << read_text((dir_.path() / "bg.stderr").string());
  const std::string err = read_text((dir_.path() / "bg.stderr").string());
  EXPECT_NE(err.find("received SIGTERM"), std::string::npos) << err;
  const auto stopped_at = Checkpoint::open(newest_checkpoint((dir_.path() / "killed").string())).meta().step;
  ASSERT_GT(stopped_at, 0);
  std::printf("stopped by SIGTERM at step %lld\n", static_cast<long long>(stopped_at));
  const int64_t total = stopped_at + 7;
  ASSERT_EQ(run_genai("train --resume --out killed --steps " + std::to_string(total), dir_.path()).exit_code, 0);
  ASSERT_EQ(run_genai(std::string("train ") + kFlags + " --steps " + std::to_string(total) + " --out straight", dir_.path()).exit_code, 0);
  expect_same_state(ckpt("straight", total), ckpt("killed", total));
}

TEST_F(Resume, MaxTimeStopsCleanlyWithACheckpoint) {
  auto r = run_genai(std::string("train ") + kFlags + " --steps 1000000 --checkpoint-every 0 --max-time 3s --out timed", dir_.path());
  EXPECT_EQ(r.exit_code, 75) << r.err;
  EXPECT_NE(r.err.find("--max-time 3s is nearly used up"), std::string::npos) << r.err;
  EXPECT_NO_THROW(Checkpoint::open(newest_checkpoint((dir_.path() / "timed").string())));
}

TEST_F(Resume, ContradictingFlagsAreRefusedSafeOnesAccepted) {
  ASSERT_EQ(run_genai(std::string("train ") + kFlags + " --steps 6 --out run", dir_.path()).exit_code, 0);
  auto r = run_genai("train --resume --out run --lr-g 0.01 --batch-size 8", dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("lr-g = 0.01 (the run has 0.0032000000000000002)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("batch-size = 8 (the run has 16)"), std::string::npos) << r.err;
  auto ok = run_genai("train --resume --out run --steps 10 --log-every 2 --checkpoint-every 3", dir_.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(ckpt("run", 10)));
  EXPECT_TRUE(fs::exists(ckpt("run", 9)));
}

TEST_F(Resume, CorruptNewestCheckpointFallsBackToThePreviousGoodOne) {
  ASSERT_EQ(run_genai(std::string("train ") + kFlags + " --steps 10 --checkpoint-every 5 --out run", dir_.path()).exit_code, 0);
  fs::resize_file(ckpt("run", 10), fs::file_size(ckpt("run", 10)) - 100);
  auto r = run_genai("train --resume --out run --steps 12", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped a bad checkpoint: run/checkpoints/step_00000010.pt: truncated or corrupt checkpoint"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("resumed from run/checkpoints/step_00000005.pt"), std::string::npos) << r.err;
}

TEST_F(Resume, SecondInterruptStopsAtOnceAndKeepsTheLastCheckpoint) {
  const int pid = genai::testing::spawn_genai(std::string("train ") + kFlags + " --steps 1000000 --checkpoint-every 5 --out twice", dir_.path());
  const auto first = dir_.path() / "twice" / "checkpoints" / checkpoint_file_name(5);
  for (int i = 0; i < 600 && !fs::exists(first); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, SIGINT);
  ::kill(pid, SIGINT);
  const int code = genai::testing::wait_for_exit(pid);
  EXPECT_TRUE(code == 130 || code == 75) << code;  // 75 if the first stop completed before the second signal landed
  std::vector<std::string> skipped;
  const auto checkpoint = open_newest_valid_checkpoint((dir_.path() / "twice").string(), torch::kCPU, skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_GE(checkpoint.meta().step, 5);
  ASSERT_EQ(run_genai("train --resume --out twice --steps " + std::to_string(checkpoint.meta().step + 3), dir_.path()).exit_code, 0);
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "twice"))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
}

TEST_F(Resume, DivergenceStopsWithTheStepAndTheLastGoodCheckpoint) {
  auto r = run_genai(std::string("train ") + kFlags + " --steps 30 --checkpoint-every 5 --inject-nan-at-step 7 --out nan", dir_.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("genai: error: training diverged: non-finite loss by step 10"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("last good checkpoint: nan/checkpoints/step_00000005.pt; try --on-nan rollback"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(ckpt("nan", 10)));  // nothing non-finite was saved
}

TEST_F(Resume, RollbackReloadsTheLastGoodCheckpointWithHalvedLearningRates) {
  auto r =
      run_genai(std::string("train ") + kFlags + " --steps 30 --checkpoint-every 5 --inject-nan-at-step 7 --on-nan rollback --out rb", dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rollback 1/3 to rb/checkpoints/step_00000005.pt with learning rates G 0.0016, D 0.0004"), std::string::npos) << r.err;
  LoadedRun run(ckpt("rb", 30));
  EXPECT_DOUBLE_EQ(run.trainer->learning_rate_g(), 3.2e-3 / 2);  // the dcgan defaults, halved
  EXPECT_DOUBLE_EQ(run.trainer->learning_rate_d(), 8e-4 / 2);
  EXPECT_TRUE(run.trainer->weights_finite());
}

TEST_F(Resume, ResumeNeedsARunDirectory) {
  auto r = run_genai("train --resume", dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--resume needs --out RUN_DIR"), std::string::npos);
  r = run_genai("train --resume --out nothing-here", dir_.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no checkpoints folder"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace genai
