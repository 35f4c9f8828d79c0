#pragma once
// The files of one training run:
//   config.toml             the resolved config (genai train --config reads it back)
//   train.log               the log lines (written by the CLI's logger)
//   metrics.jsonl           one JSON object per log interval, flushed each time
//   samples/step_NNNNNN.png grids of one fixed noise batch
//   checkpoints/step_NNNNNNNN.pt  the newest `keep` checkpoints
//   loss_curve.png          D and G loss over steps
//   tb/events.out.tfevents.* the same scalars, sample grids and config for TensorBoard (unless disabled)
#include <torch/torch.h>

#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "genai/image/plot.h"
#include "genai/train/trainer.h"
#include "genai/util/event_file.h"

namespace genai::train {

// "runs/<model>-YYYYmmdd-HHMMSS" in local time.
std::string default_run_directory(ModelKind model_kind);

class RunDirectory {
 public:
  // Creates the directory and its sub-folders and checks that it is writable. Refuses an existing
  // non-empty directory unless `force` (UsageError), and an unwritable one (RuntimeError). `tensorboard`:
  // also write tb/events.out.tfevents.*.
  RunDirectory(const std::string& path, bool force, bool tensorboard);

  // Re-opens an existing run directory to continue it: appends to metrics.jsonl, reloads the loss and quality
  // histories up to `resume_step` for the loss and quality curves, and continues the event file after `resume_step`.
  static RunDirectory reopen(const std::string& path, int64_t resume_step, bool tensorboard);

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const;

  // config.toml, and the same text in TensorBoard's text tab at the run's first step.
  void write_config(const std::string& toml);
  // One line of metrics.jsonl, and the scalars train/<key> in TensorBoard; both flushed.
  void append_metrics(const StepMetrics& metrics);
  // A quick eval: its JSON object as one more line of metrics.jsonl, and `scalars` (tag, value) in TensorBoard.
  void append_eval(int64_t step, const std::string& json, const std::vector<std::pair<std::string, double>>& scalars);
  std::string samples_path(int64_t step) const;  // samples/step_NNNNNN.png
  std::string write_samples(int64_t step, const torch::Tensor& images);
  // Writes via `save(path)`, re-reads and validates the new file, and only then deletes all but the
  // newest `keep` checkpoints, so rotation never removes the last good one. Returns the path.
  std::string write_checkpoint(int64_t step, int64_t keep, const std::function<void(const std::string&)>& save) const;
  void write_loss_curve() const;
  // A quick eval's point of quality_curve.png (FD-LeNet and classes covered against training wall time), and
  // the plot of all points so far. `classes`: the data's class count.
  void add_quality_point(int64_t step, const image::QualityPoint& point);
  void write_quality_curve(int64_t classes) const;
  // The training wall time of the newest quick eval a reopened run kept (0 for a new run): a resumed run's
  // times continue from it.
  double trained_seconds_before() const { return trained_seconds_before_; }
  // After --on-nan rollback to the checkpoint of `step`: cuts the events logged after it, which the run logs again.
  void rewind_events(int64_t step);

 private:
  RunDirectory() = default;
  void open_metrics(bool truncate);
  void flush_events();

  std::string path_;
  std::ofstream metrics_;
  std::unique_ptr<util::EventFileWriter> events_;  // null: no TensorBoard file
  int64_t first_step_ = 0;                         // 0, or the first step a resumed run trains
  std::vector<image::LossPoint> loss_history_;
  std::vector<std::pair<int64_t, image::QualityPoint>> quality_history_;  // (step, point)
  double trained_seconds_before_ = 0;
};

// One metrics object as a JSON line (no trailing newline).
std::string to_json_line(const StepMetrics& m);

// The TensorBoard tags of a metrics line (train/d_loss, ...: "train/" + its JSON key) with their values.
std::vector<std::pair<std::string, double>> tensorboard_scalars(const StepMetrics& m);

inline constexpr const char* kTensorBoardDirectory = "tb";
inline constexpr const char* kTensorBoardSamplesTag = "samples";
inline constexpr const char* kTensorBoardConfigTag = "config";

}  // namespace genai::train
