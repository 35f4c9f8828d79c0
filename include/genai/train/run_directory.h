#pragma once
// The files of one training run:
//   config.toml             the resolved config (genai train --config reads it back)
//   train.log               the log lines (written by the CLI's logger)
//   metrics.jsonl           one JSON object per log interval, flushed each time
//   samples/step_NNNNNN.png grids of one fixed noise batch
//   checkpoints/step_NNNNNNNN.pt  the newest `keep` checkpoints
//   loss_curve.png          D and G loss over steps
#include <torch/torch.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "genai/image/plot.h"
#include "genai/train/trainer.h"

namespace genai::train {

// "runs/<model>-YYYYmmdd-HHMMSS" in local time.
std::string default_run_directory(const std::string& model_kind);

class RunDirectory {
 public:
  // Creates the directory and its sub-folders and checks that it is writable. Refuses an existing
  // non-empty directory unless `force` (UsageError), and an unwritable one (RuntimeError).
  RunDirectory(const std::string& path, bool force);

  // Re-opens an existing run directory to continue it: appends to metrics.jsonl and reloads the loss
  // history up to `resume_step` for the loss curve.
  static RunDirectory reopen(const std::string& path, int64_t resume_step);

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const;

  void write_config(const std::string& toml) const;
  void append_metrics(const StepMetrics& metrics);
  // Any other JSON object (e.g. a quick eval) as one more line of metrics.jsonl.
  void append_metrics_line(const std::string& json);
  std::string samples_path(int64_t step) const;  // samples/step_NNNNNN.png
  std::string write_samples(int64_t step, const torch::Tensor& images);
  // Writes via `save(path)`, re-reads and validates the new file, and only then deletes all but the
  // newest `keep` checkpoints, so rotation never removes the last good one. Returns the path.
  std::string write_checkpoint(int64_t step, int64_t keep, const std::function<void(const std::string&)>& save) const;
  void write_loss_curve() const;

 private:
  RunDirectory() = default;
  void open_metrics();

  std::string path_;
  std::ofstream metrics_;
  std::vector<image::LossPoint> loss_history_;
};

// One metrics object as a JSON line (no trailing newline).
std::string to_json_line(const StepMetrics& m);

}  // namespace genai::train
