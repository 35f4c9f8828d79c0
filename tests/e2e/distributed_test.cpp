// Data-parallel training end to end: several real genai processes on loopback (Gloo), launched the way torchrun
// launches them (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). The torchrun launcher itself is tested in
// tests/python/torchrun_test.py.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "genai/checkpoint.h"
#include "genai/train/trainer.h"
#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;
using genai::testing::read_bytes;
using genai::testing::read_text;
using genai::testing::run_genai;
using genai::testing::spawn_genai_with;
using genai::testing::TempDir;
using genai::testing::wait_for_exit;
using Clock = std::chrono::steady_clock;

// Small MLPs without BatchNorm on the tiny data: with per-rank batch statistics out of the picture, 2 ranks x
// batch B compute what 1 process x batch 2B does, up to the order of float sums.
constexpr const char* kMlp = "--data tiny --model mlp --g-hidden 48 --d-hidden 48 --g-norm none --log-every 5 --sample-every 0 --threads 1 --seed 5";

// A port nobody listens on now (the kernel's pick for an ephemeral bind).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return 29500;
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string rank_environment(int rank, int world_size, int port) {
  return "RANK=" + std::to_string(rank) + " WORLD_SIZE=" + std::to_string(world_size) + " LOCAL_RANK=" + std::to_string(rank) +
         " LOCAL_WORLD_SIZE=" + std::to_string(world_size) + " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port);
}

// Waits for a process at most `limit`; kills it and returns -1 when it has not exited by then.
int wait_at_most(int pid, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  wait_for_exit(pid);
  return -1;
}

bool wait_for_text(const std::string& path, const std::string& text, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    std::error_code ec;
    if (fs::exists(path, ec) && read_text(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A checkpoint's whole training state: every weight and buffer of G and D, then every Adam moment and step count.
std::vector<torch::Tensor> training_state(const std::string& path) {
  auto checkpoint = Checkpoint::open(path);
  TrainConfig config;
  config.model = checkpoint.meta().model;
  config.batch_size = 16;
  train::Trainer trainer(config, data::to_dataset(genai::testing::make_tiny_images(64), "tiny", torch::kCPU), torch::kCPU);
  trainer.restore(checkpoint);
  std::vector<torch::Tensor> state;
  for (torch::nn::Module* net :
       {static_cast<torch::nn::Module*>(trainer.gan().generator.get()), static_cast<torch::nn::Module*>(trainer.gan().discriminator.get())}) {
    for (const auto& p : net->parameters()) state.push_back(p.clone());
    for (const auto& b : net->buffers()) state.push_back(b.clone());
  }
  for (const auto& m : trainer.optimizer_moments()) state.push_back(m.clone());
  return state;
}

class Distributed : public ::testing::Test {
 protected:
  void SetUp() override { genai::testing::write_tiny_dataset(dir_.path() / "tiny", 256); }

  // Starts `ranks` processes of `genai train ARGS --out OUT` (output in OUT.rank<N>.stdout/stderr); their process ids.
  std::vector<int> start_ranks(int ranks, const std::string& args, const std::string& out) {
    const int port = free_port();
    std::vector<int> pids;
    for (int r = 0; r < ranks; ++r)
      pids.push_back(
          spawn_genai_with(rank_environment(r, ranks, port), "train " + args + " --out " + out, dir_.path(), out + ".rank" + std::to_string(r)));
    return pids;
  }
  // The same, waiting for all; their exit codes.
  std::vector<int> train_ranks(int ranks, const std::string& args, const std::string& out, std::chrono::seconds limit = std::chrono::seconds(240)) {
    std::vector<int> codes;
    for (int pid : start_ranks(ranks, args, out)) codes.push_back(wait_at_most(pid, limit));
    return codes;
  }
  // One process with the given environment; its exit code and stderr.
  std::pair<int, std::string> run_genai_with_env(const std::string& environment, const std::string& args) {
    const int code = wait_at_most(spawn_genai_with(environment, args, dir_.path(), "single"), std::chrono::seconds(120));
    return {code, read_text(dir_.file("single.stderr"))};
  }
  std::string err(const std::string& out, int rank) const { return read_text(dir_.file(out + ".rank" + std::to_string(rank) + ".stderr")); }
  std::string checkpoint(const std::string& out, int step) const {
    return dir_.file(out + "/checkpoints/step_" + std::string(8 - std::to_string(step).size(), '0') + std::to_string(step) + ".pt");
  }

  TempDir dir_;
};

TEST_F(Distributed, OneRankThroughTheDistributedPathIsThePlainRunBitForBit) {
  const std::string args = std::string(kMlp) + " --batch-size 32 --steps 20";
  const auto codes = train_ranks(1, args, "dist");
  ASSERT_EQ(codes[0], 0) << err("dist", 0);
  EXPECT_NE(read_text(dir_.file("dist/train.log")).find("data-parallel: rank 0 of 1"), std::string::npos);
  ASSERT_EQ(run_genai("train " + args + " --out plain", dir_.path()).exit_code, 0);
  const auto a = training_state(checkpoint("dist", 20)), b = training_state(checkpoint("plain", 20));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i << " differs";
}

TEST_F(Distributed, TwoRanksOfHalfTheBatchEqualOneProcessWithTheWholeBatch) {
  const auto codes = train_ranks(2, std::string(kMlp) + " --batch-size 32 --steps 20", "two");
  ASSERT_EQ(codes[0], 0) << err("two", 0);
  ASSERT_EQ(codes[1], 0) << err("two", 1);
  ASSERT_EQ(run_genai(std::string("train ") + kMlp + " --batch-size 64 --steps 20 --out one", dir_.path()).exit_code, 0);
  const auto a = training_state(checkpoint("two", 20)), b = training_state(checkpoint("one", 20));
  ASSERT_EQ(a.size(), b.size());
  // Same data, noise and initial weights; the only difference is where the batch mean's sum is split (two
  // half sums averaged, in float32: ~1e-7 relative per gradient element, float's epsilon). Measured: at most
  // 3.3e-7 (LibTorch 1.13) and 3.6e-7 (2.15) of each tensor's largest magnitude, over all 32 weights and Adam moments; the bound 1e-5 leaves 30x for
  // other CPUs' summation orders. A wrong shard, a missing average (gradients twice as large) or a rank drawing its
  // own noise changes the gradients by O(1) relative, and the Adam moments, which follow them, by ~1e-2 or more.
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].sizes(), b[i].sizes());
    const auto difference = (a[i].to(torch::kFloat64) - b[i].to(torch::kFloat64)).abs();
    const auto scale = b[i].to(torch::kFloat64).abs().max().item<double>();
    const double relative = difference.max().item<double>() / std::max(scale, 1e-30);
    worst = std::max(worst, relative);
    EXPECT_LT(relative, 1e-5) << "tensor " << i << " differs by " << difference.max().item<double>() << " of " << scale;
  }
  std::printf("worst relative difference between 2 ranks x 32 and 1 x 64 over %zu tensors: %.3g\n", a.size(), worst);
  const std::string config = read_text(dir_.file("two/config.toml"));
  EXPECT_NE(config.find("global batch is batch-size x 2 = 64 images"), std::string::npos) << config;
  EXPECT_NE(read_text(dir_.file("two/train.rank1.log")).find("step 20/20"), std::string::npos) << "rank 1 logs to its own file";
  EXPECT_EQ(err("two", 1), "") << "rank 1 prints only errors";
}

TEST_F(Distributed, TheSameTwoRankRunTwiceGivesIdenticalCheckpoints) {
  // With BatchNorm (the MLP's default): per-rank statistics, buffers broadcast from rank 0 before the checkpoint.
  const std::string args =
      "--data tiny --model mlp --g-hidden 48 --d-hidden 48 --log-every 5 --sample-every 0 --threads 1 --seed 3 --batch-size 16 --steps 15";
  for (const char* out : {"first", "second"}) {
    const auto codes = train_ranks(2, args, out);
    ASSERT_EQ(codes[0], 0) << err(out, 0);
    ASSERT_EQ(codes[1], 0) << err(out, 1);
  }
  EXPECT_EQ(read_bytes(checkpoint("first", 15)), read_bytes(checkpoint("second", 15)));
}

TEST_F(Distributed, AKilledRankMakesTheOtherExitWithinTheTimeoutNamingIt) {
  const auto pids = start_ranks(2, std::string(kMlp) + " --batch-size 16 --steps 1000000 --dist-timeout 10", "killed");
  const int rank0 = pids[0], rank1 = pids[1];
  ASSERT_TRUE(wait_for_text(dir_.file("killed/train.log"), "step 10/", std::chrono::seconds(120))) << err("killed", 0);
  ::kill(rank1, SIGKILL);
  const auto killed_at = Clock::now();
  EXPECT_EQ(wait_for_exit(rank1), 128 + SIGKILL);
  const int code = wait_at_most(rank0, std::chrono::seconds(60));
  const double seconds = std::chrono::duration<double>(Clock::now() - killed_at).count();
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "rank 0 still ran " << seconds << " s after rank 1 was killed";
  EXPECT_LT(seconds, 30.0) << "--dist-timeout 10 bounds the wait";
  const std::string message = err("killed", 0);
  EXPECT_NE(message.find("genai: error: rank 0 lost rank 1 during"), std::string::npos) << message;
  // The error is the last line and one line: no stack trace, no second message.
  const auto at = message.find("genai: error:");
  ASSERT_NE(at, std::string::npos) << message;
  EXPECT_EQ(message.find('\n', at), message.size() - 1) << message;
}

TEST_F(Distributed, AStalledRankMakesTheOtherExitWhenTheTimeoutRunsOut) {
  const auto pids = start_ranks(2, std::string(kMlp) + " --batch-size 16 --steps 1000000 --dist-timeout 3", "stalled");
  const int rank0 = pids[0], rank1 = pids[1];
  ASSERT_TRUE(wait_for_text(dir_.file("stalled/train.log"), "step 10/", std::chrono::seconds(120))) << err("stalled", 0);
  ::kill(rank1, SIGSTOP);  // alive, connected, silent: only the timeout can tell
  const auto stalled_at = Clock::now();
  const int code = wait_at_most(rank0, std::chrono::seconds(60));
  const double seconds = std::chrono::duration<double>(Clock::now() - stalled_at).count();
  ::kill(rank1, SIGKILL);
  wait_for_exit(rank1);
  EXPECT_EQ(code, 1);
  EXPECT_GT(seconds, 2.0) << "rank 0 gave up before --dist-timeout 3";
  EXPECT_LT(seconds, 20.0) << "--dist-timeout 3 bounds the wait";
  const std::string message = err("stalled", 0);
  EXPECT_NE(message.find("genai: error: rank 0 lost rank 1 during"), std::string::npos) << message;
  std::printf("rank 0 exited %.1f s after rank 1 stalled: %s", seconds, message.substr(message.find("genai: error")).c_str());
}

TEST_F(Distributed, SigtermStopsBothRanksAtOneStepAndTheResumeEndsWhereAnUninterruptedRunDoes) {
  const std::string args =
      "--data tiny --model mlp --g-hidden 48 --d-hidden 48 --log-every 5 --sample-every 0 --threads 1 --seed 9 --batch-size 16 "
      "--steps 800 --checkpoint-every 0";
  const auto whole = train_ranks(2, args, "whole");
  ASSERT_EQ(whole[0], 0) << err("whole", 0);
  ASSERT_EQ(whole[1], 0) << err("whole", 1);

  const auto pids = start_ranks(2, args, "parts");
  const int rank0 = pids[0], rank1 = pids[1];
  // Both have their stop handlers once they log steps; then SIGTERM each, a little apart.
  ASSERT_TRUE(wait_for_text(dir_.file("parts/train.log"), "step 20/", std::chrono::seconds(120))) << err("parts", 0);
  ASSERT_TRUE(wait_for_text(dir_.file("parts/train.rank1.log"), "step 20/", std::chrono::seconds(120))) << err("parts", 1);
  ::kill(rank0, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ::kill(rank1, SIGTERM);
  EXPECT_EQ(wait_at_most(rank0, std::chrono::seconds(60)), 75) << err("parts", 0);
  EXPECT_EQ(wait_at_most(rank1, std::chrono::seconds(60)), 75) << err("parts", 1);
  std::vector<fs::path> saved;
  for (const auto& entry : fs::directory_iterator(dir_.file("parts/checkpoints"))) saved.push_back(entry.path());
  ASSERT_EQ(saved.size(), 1u);
  const int64_t stopped_at = Checkpoint::open(saved.front().string()).meta().step;
  EXPECT_LT(stopped_at, 800) << "the SIGTERM came too late to test a stop";
  EXPECT_EQ(Checkpoint::open(saved.front().string()).meta().world_size, 2);
  // Both ranks report the same last step.
  const std::string step_text = "stopped early at step " + std::to_string(stopped_at) + " ";
  EXPECT_NE(err("parts", 0).find(step_text), std::string::npos) << err("parts", 0);
  EXPECT_NE(read_text(dir_.file("parts/train.rank1.log")).find(step_text), std::string::npos);

  const auto resumed = train_ranks(2, "--resume", "parts");
  ASSERT_EQ(resumed[0], 0) << err("parts", 0);
  ASSERT_EQ(resumed[1], 0) << err("parts", 1);
  EXPECT_EQ(read_bytes(checkpoint("parts", 800)), read_bytes(checkpoint("whole", 800))) << "resumed at step " << stopped_at;
}

TEST_F(Distributed, AResumeWithAnotherNumberOfProcessesContinuesWithAWarning) {
  const auto codes = train_ranks(2, std::string(kMlp) + " --batch-size 16 --steps 10", "grow");
  ASSERT_EQ(codes[0], 0) << err("grow", 0);
  EXPECT_EQ(Checkpoint::open(checkpoint("grow", 10)).meta().world_size, 2);
  // 2 ranks x 16 for 10 steps consumed 320 images (256 a epoch): one process x 16 goes on at epoch 1, batch 4.
  const auto one = run_genai("train --resume --steps 20 --out grow", dir_.path());
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.err.find("was written by 2 process(es) and this run has 1: the global batch changes from 32 to 16 images"), std::string::npos)
      << one.err;
  const auto meta = Checkpoint::open(checkpoint("grow", 20)).meta();
  EXPECT_EQ(meta.world_size, 1);
  EXPECT_EQ(meta.epoch, 1);
  EXPECT_EQ(meta.batch_in_epoch, 4 + 10);
}

TEST_F(Distributed, SeveralProcessesNeedOutAndRefuseRollback) {
  const auto no_out = run_genai_with_env("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1", std::string("train ") + kMlp);
  EXPECT_EQ(no_out.first, 2);
  EXPECT_NE(no_out.second.find("need --out RUN_DIR"), std::string::npos) << no_out.second;
  const auto rollback =
      run_genai_with_env("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1", std::string("train ") + kMlp + " --out x --on-nan rollback");
  EXPECT_EQ(rollback.first, 2);
  EXPECT_NE(rollback.second.find("--on-nan rollback works in one process only"), std::string::npos) << rollback.second;
  const auto bad_rank = run_genai_with_env("RANK=2 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1", std::string("train ") + kMlp + " --out x");
  EXPECT_EQ(bad_rank.first, 2);
  EXPECT_NE(bad_rank.second.find("RANK=2 is outside the world of WORLD_SIZE=2"), std::string::npos) << bad_rank.second;
}

}  // namespace
}  // namespace genai
