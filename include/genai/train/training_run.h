#pragma once
// `genai train` as a library entry point: the loop policy around the Trainer. It resolves the config (a resumed
// run's saved config merged with what the user gave), reads the data, prepares the quick evals, creates or
// reopens the run directory, and runs the loop with its stops (signals, --max-time), --on-nan rollback, quick
// evals, sample grids, metrics, TensorBoard events and checkpoints. It never prints: what a person should
// read goes to the observer, and failures are exceptions (UsageError, RuntimeError). It sets nothing process-wide
// (threads, allocator): it plans the CPU threads and the program applies the plan (thread_plan()).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "genai/checkpoint.h"
#include "genai/config.h"
#include "genai/dist/world.h"
#include "genai/train/trainer.h"
#include "genai/util/device.h"

namespace genai::train {

enum class Severity { kDebug, kInfo, kWarn, kError };

// Where a training run reports while it runs. Called on the training thread, between steps.
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // The run directory exists (created, or reopened by a resume): e.g. open a log file inside it. Messages
  // before this call are about set-up (data, the eval classifier).
  virtual void run_directory_ready(const std::string& path) = 0;
  virtual void message(Severity severity, const std::string& line) = 0;
  // Every log interval: the means over the interval, and the step count the run aims for.
  virtual void progress(const StepMetrics& metrics, int64_t total_steps) = 0;
};

struct TrainingRequest {
  TrainConfig config;  // as the user gave it (flags over a config file over the defaults)
  // Data-parallel training when world.distributed(): every rank runs a TrainingRun with the same config; rank 0
  // alone writes the run directory (config, metrics, samples, evals, checkpoints). The others only report to
  // their observer, which gets the run directory for a log file of their own.
  dist::World world;
  bool resume = false;  // continue config.out from its newest valid checkpoint, with its saved config
  // Whether the user gave this key (a flag or the config file). For a resume only given keys override the saved
  // config (unset: none). For a new run, the dcgan default's clusters that the data is too small for are turned off
  // unless --clusters was given (unset: kept, and k-means says when it cannot be).
  std::function<bool(const std::string& key)> given;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();  // --max-time counts from here
  // Polled after every step; a non-empty reason (e.g. "received SIGTERM") stops the run with a checkpoint.
  std::function<std::string()> stop_requested;
  int64_t inject_nan_at_step = 0;  // tests of --on-nan: poisons a G weight once after this step (0: never)
  // --cuda-sync-debug: every step after the first log interval runs with CUDA's sync-debug mode set to error, so a
  // step that waits for the GPU fails the run (genai/util/cuda_sync_debug.h). CUDA devices only.
  bool cuda_sync_debug = false;
};

struct TrainingResult {
  std::string run_directory;
  bool finished = false;    // reached the total step count; else stopped early, resumable
  std::string stop_reason;  // why it stopped early
  int64_t steps_done = 0;
  int64_t total_steps = 0;
  std::string checkpoint;  // the newest checkpoint
  std::string samples;     // the last sample grid
  std::string loss_curve;
};

class TrainingRun {
 public:
  // Resolves and validates the config; for a resume, opens the newest valid checkpoint of config.out.
  // Creates nothing on disk. Throws UsageError for bad settings, RuntimeError for a bad run directory.
  explicit TrainingRun(TrainingRequest request);
  ~TrainingRun();

  // The config the run will use (with --resume: the saved one with the allowed changes).
  const TrainConfig& config() const { return config_; }
  const dist::World& world() const { return request_.world; }
  // The CPU threads this run plans: --threads, else this process's share of the machine's cores (the processes on
  // one machine share them), split between LibTorch and BLAS by the model kind (util::core_split_for). Only
  // planned: threads are process-wide, so the caller applies the plan (util::configure_cpu, and
  // util::keep_freed_memory_in_process for the step's buffers) once, before run(). run() logs it.
  const util::ThreadPlan& thread_plan() const { return thread_plan_; }

  // Trains. Everything that can fail on bad input (data, model, checkpoint state) fails before the run
  // directory is created or touched.
  TrainingResult run(TrainingObserver& observer);

 private:
  TrainingRequest request_;
  TrainConfig config_;
  std::optional<Checkpoint> resume_from_;
  std::vector<std::string> skipped_checkpoints_;
  util::ThreadPlan thread_plan_;
};

}  // namespace genai::train
