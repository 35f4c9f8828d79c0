#pragma once
// `genai train`: the flags (from the config schema), then one library call, train::TrainingRun; this file
// only shows what the run reports (log lines, a live progress line on a terminal) and maps the outcome to
// an exit code.
#include <CLI/CLI.hpp>
#include <memory>

#include "common_options.h"
#include "genai/config/schema.h"
#include "genai/train/training_run.h"

namespace genai::cli {

struct TrainOptions {
  TrainConfig config;
  bool print_config = false;
  bool resume = false;
  int64_t inject_nan_at_step = 0;  // hidden, for tests of --on-nan: poisons a G weight once after this step
  bool cuda_sync_debug = false;    // hidden, for scripts/gpu-check.sh: CUDA sync-debug mode at error around the steps
  Verbosity verbosity;
  const CLI::App* command = nullptr;  // to ask which keys the flags or --config file gave (for --resume)
  char** argv = nullptr;              // the command line, to restart with a bounded OpenMP spin (openmp_spin.h); null: never
};

CLI::App* add_train_command(CLI::App& app, TrainOptions& options);
int run_train(const TrainOptions& options);

// What a training run reports, for a person: log lines on stderr (and in RUN_DIR/train.log once the run
// directory exists), and each log interval as a live line on a terminal or a plain log line otherwise.
class TrainConsole : public train::TrainingObserver {
 public:
  TrainConsole(const Verbosity& verbosity, bool live);
  ~TrainConsole() override;
  void set_batch_size(int64_t batch_size) { batch_size_ = batch_size; }
  // Data-parallel ranks other than 0 log to RUN_DIR/train.rank<N>.log and show only errors.
  void set_rank(int rank);
  void run_directory_ready(const std::string& path) override;
  void message(train::Severity severity, const std::string& line) override;
  void progress(const train::StepMetrics& metrics, int64_t total_steps) override;
  // Ends the live line, so the next text starts on a line of its own.
  void finish_line();
  Log& log() { return *log_; }

 private:
  Verbosity verbosity_;
  bool live_;
  bool line_open_ = false;
  int64_t batch_size_ = 1;
  int rank_ = 0;
  std::shared_ptr<Log> log_;
};

}  // namespace genai::cli
