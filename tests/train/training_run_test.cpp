// train::TrainingRun in-process: what `genai train` does, without the binary, through its observer.
#include "genai/train/training_run.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "genai/error.h"
#include "support.h"

namespace genai::train {
namespace {

namespace fs = std::filesystem;

struct Recorder : TrainingObserver {
  std::vector<std::string> events;  // "dir <path>", "<severity> <line>", "progress <step>/<total>"
  void run_directory_ready(const std::string& path) override { events.push_back("dir " + path); }
  void message(Severity severity, const std::string& line) override {
    events.push_back(std::string(severity == Severity::kWarn ? "warn " : severity == Severity::kError ? "error " : "info ") + line);
  }
  void progress(const StepMetrics& m, int64_t total) override {
    events.push_back("progress " + std::to_string(m.step) + "/" + std::to_string(total));
  }
  std::vector<std::string> starting(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (e.rfind(prefix, 0) == 0) out.push_back(e);
    return out;
  }
};

class TrainingRunTest : public ::testing::Test {
 protected:
  void SetUp() override { genai::testing::write_tiny_dataset(dir_.path() / "tiny", 64); }
  TrainingRequest request(int64_t steps) const {
    TrainingRequest r;
    r.config.data = (dir_.path() / "tiny").string();
    r.config.device = "cpu";
    r.config.threads = 1;
    r.config.steps = steps;
    r.config.batch_size = 16;
    r.config.log_every = 2;
    r.config.sample_every = 0;
    r.config.checkpoint_every = 0;
    r.config.tensorboard = false;
    r.config.out = run_dir();
    return r;
  }
  std::string run_dir() const { return (dir_.path() / "run").string(); }
  genai::testing::TempDir dir_;
};

TEST_F(TrainingRunTest, ReportsThroughTheObserverAndFinishesWithACheckpoint) {
  Recorder recorder;
  const auto result = TrainingRun(request(6)).run(recorder);
  EXPECT_TRUE(result.finished);
  EXPECT_EQ(result.steps_done, 6);
  EXPECT_EQ(result.total_steps, 6);
  EXPECT_EQ(result.run_directory, run_dir());
  EXPECT_TRUE(fs::exists(result.checkpoint)) << result.checkpoint;
  EXPECT_TRUE(fs::exists(result.samples)) << result.samples;
  ASSERT_FALSE(recorder.events.empty());
  EXPECT_EQ(recorder.events.front(), "dir " + run_dir());  // a log file can open before the first line
  EXPECT_EQ(recorder.starting("progress"), (std::vector<std::string>{"progress 2/6", "progress 4/6", "progress 6/6"}));
  EXPECT_EQ(recorder.starting("info genai ").size(), 1u);
  EXPECT_TRUE(recorder.starting("warn").empty());
}

TEST_F(TrainingRunTest, AStopRequestEndsTheRunWithACheckpointAtThatStep) {
  auto r = request(20);
  int polls = 0;
  r.stop_requested = [&] { return ++polls == 3 ? std::string("asked by the test") : std::string(); };
  Recorder recorder;
  const auto result = TrainingRun(std::move(r)).run(recorder);
  EXPECT_FALSE(result.finished);
  EXPECT_EQ(result.stop_reason, "asked by the test");
  EXPECT_EQ(result.steps_done, 3);
  EXPECT_EQ(fs::path(result.checkpoint).filename(), "step_00000003.pt");
}

TEST_F(TrainingRunTest, ResumeTakesTheSavedConfigWithTheGivenResumableKeys) {
  Recorder recorder;
  TrainingRun(request(4)).run(recorder);
  auto r = request(8);
  r.resume = true;
  r.config.batch_size = 99;  // not given: the saved 16 stays
  r.given = [](const std::string& key) { return key == "steps"; };
  TrainingRun resumed(r);
  EXPECT_EQ(resumed.config().steps, 8);
  EXPECT_EQ(resumed.config().batch_size, 16);
  const auto result = resumed.run(recorder);
  EXPECT_EQ(result.steps_done, 8);
  EXPECT_EQ(recorder.starting("info resumed from ").size(), 1u);

  r.given = [](const std::string& key) { return key == "batch-size"; };
  EXPECT_THROW(TrainingRun{r}, UsageError);
}

TEST_F(TrainingRunTest, PlansTheThreadsAndLeavesApplyingThemToTheCaller) {
  auto r = request(2);
  r.config.threads = 3;
  TrainingRun training(r);
  const util::ThreadPlan& plan = training.thread_plan();
  EXPECT_EQ(plan.cores, 3);
  EXPECT_EQ(plan.intra_op * plan.blas, 3);  // the MLP's cores go to BLAS, or to LibTorch where BLAS has no pool
  const int before = torch::get_num_threads();
  Recorder recorder;
  training.run(recorder);
  EXPECT_EQ(torch::get_num_threads(), before);  // threads are process-wide: `genai train` applies the plan, not the library
  EXPECT_EQ(recorder.starting("info device cpu | " + plan.describe() + " | BLAS: ").size(), 1u);
}

TEST_F(TrainingRunTest, BadDataFailsBeforeTheRunDirectoryExists) {
  auto r = request(4);
  r.config.data = (dir_.path() / "missing").string();
  Recorder recorder;
  EXPECT_THROW(TrainingRun(r).run(recorder), UsageError);  // "--data DIR: not a directory; ..."
  EXPECT_FALSE(fs::exists(run_dir()));
  EXPECT_TRUE(recorder.starting("dir").empty());
}

}  // namespace
}  // namespace genai::train
