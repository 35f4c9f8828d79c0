#include "genai/train/run_directory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "genai/checkpoint.h"
#include "genai/error.h"
#include "genai/image/png.h"
#include "genai/util/atomic_file.h"

namespace genai::train {
namespace fs = std::filesystem;
namespace {

using Json = nlohmann::ordered_json;

}  // namespace

std::string default_run_directory(ModelKind model_kind) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return "runs/" + std::string(name(model_kind)) + "-" + stamp;
}

RunDirectory::RunDirectory(const std::string& path, bool force, bool tensorboard) : path_(path) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path, ec)) throw UsageError("--out " + path + ": exists and is not a directory; choose another --out");
    if (!fs::is_empty(path, ec) && !force)
      throw UsageError("--out " + path + ": directory exists and is not empty; choose another --out or pass --force to write into it");
  }
  for (const fs::path& dir : {fs::path(path), fs::path(path) / "samples", fs::path(path) / "checkpoints"}) {
    fs::create_directories(dir, ec);
    if (ec) throw file_error(dir.string(), "cannot create directory: " + ec.message() + "; choose another --out");
  }
  open_metrics(/*truncate=*/true);  // a new run in a directory reused with --force starts its own metrics
  // A new run replaces the events of an earlier one in a directory reused with --force.
  if (tensorboard) events_ = std::make_unique<util::EventFileWriter>(file(kTensorBoardDirectory), /*keep_through_step=*/-1);
}

void RunDirectory::open_metrics(bool truncate) {
  // Also proves the directory is writable before any training time is spent.
  metrics_.open(file("metrics.jsonl"), std::ios::out | (truncate ? std::ios::trunc : std::ios::app));
  if (!metrics_) throw file_error(file("metrics.jsonl"), "cannot write here; check permissions and free space, or choose another --out");
}

RunDirectory RunDirectory::reopen(const std::string& path, int64_t resume_step, bool tensorboard) {
  RunDirectory run;
  run.path_ = path;
  run.first_step_ = resume_step + 1;  // the first step it trains: a second resume from the same checkpoint cuts this run's events
  std::error_code ec;
  if (!fs::is_directory(fs::path(path) / "checkpoints", ec)) throw file_error(path, "not a genai run directory (no checkpoints folder)");
  // A process stopped hard (a second Ctrl-C, SIGKILL) may have left a temporary file mid-write; the
  // renamed files are all complete, the temporaries are garbage.
  for (const fs::path& dir : {fs::path(path), fs::path(path) / "checkpoints", fs::path(path) / "samples"})
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().filename().string().find(".tmp-") != std::string::npos) fs::remove(entry.path(), ec);
  std::ifstream previous(run.file("metrics.jsonl"));
  std::string line;
  while (std::getline(previous, line)) {
    // A line cut by a killed job does not parse; metrics lines (d_loss) are loss history, quick-eval lines
    // (fd_lenet, wall_s) quality history.
    const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || !record.contains("step") || !record["step"].is_number_integer()) continue;
    const auto number = [&](const char* key) {
      const auto found = record.find(key);  // operator[] on a const object with a missing key is undefined
      return found != record.end() && found->is_number() ? found->get<double>() : std::nan("");
    };
    const auto step = record["step"].get<int64_t>();
    if (step > resume_step) continue;
    if (record.contains("d_loss")) run.loss_history_.push_back({step, number("d_loss"), number("g_loss")});
    if (record.contains("fd_lenet") && record.contains("wall_s")) {
      const image::QualityPoint point{number("wall_s"), number("fd_lenet"), static_cast<int64_t>(number("modes_covered"))};
      run.quality_history_.emplace_back(step, point);
      if (std::isfinite(point.seconds)) run.trained_seconds_before_ = std::max(run.trained_seconds_before_, point.seconds);
    }
  }
  run.open_metrics(/*truncate=*/false);
  // Events logged after the checkpoint (by a job killed later) are cut: the resumed run logs those steps again.
  if (tensorboard) run.events_ = std::make_unique<util::EventFileWriter>(run.file(kTensorBoardDirectory), resume_step);
  return run;
}

std::string RunDirectory::file(const std::string& name) const { return (fs::path(path_) / name).string(); }

void RunDirectory::write_config(const std::string& toml) {
  util::write_file_atomically(file("config.toml"), toml);
  if (!events_) return;
  events_->text(kTensorBoardConfigTag, first_step_, "```toml\n" + toml + "```");
  flush_events();
}

void RunDirectory::rewind_events(int64_t step) {
  // The quick evals after the checkpoint are trained again: their points go (metrics.jsonl keeps its lines).
  while (!quality_history_.empty() && quality_history_.back().first > step) quality_history_.pop_back();
  if (!events_) return;
  events_.reset();  // closes the file before it is cut
  events_ = std::make_unique<util::EventFileWriter>(file(kTensorBoardDirectory), step);
}

void RunDirectory::flush_events() {
  if (events_) events_->flush();
}

std::string to_json_line(const StepMetrics& m) {
  // nlohmann writes a non-finite loss as null (JSON has no NaN), which keeps the line parseable.
  return Json{{"step", m.step},
              {"epoch", m.epoch},
              {"d_loss", m.d_loss},
              {"g_loss", m.g_loss},
              {"d_real", m.d_real},
              {"d_fake", m.d_fake},
              {"img_per_s", m.images_per_second},
              {"elapsed_s", m.elapsed_seconds}}
      .dump();
}

std::vector<std::pair<std::string, double>> tensorboard_scalars(const StepMetrics& m) {
  return {{"train/d_loss", m.d_loss},
          {"train/g_loss", m.g_loss},
          {"train/d_real", m.d_real},
          {"train/d_fake", m.d_fake},
          {"train/img_per_s", m.images_per_second}};
}

void RunDirectory::append_metrics(const StepMetrics& metrics) {
  loss_history_.push_back({metrics.step, metrics.d_loss, metrics.g_loss});
  metrics_ << to_json_line(metrics) << '\n';
  metrics_.flush();  // a killed job loses at most the current interval
  if (!metrics_) throw file_error(file("metrics.jsonl"), "write failed (disk full?)");
  if (!events_) return;
  for (const auto& [tag, value] : tensorboard_scalars(metrics)) events_->scalar(tag, metrics.step, value);
  flush_events();  // as metrics.jsonl: a killed job leaves a readable file
}

void RunDirectory::append_eval(int64_t step, const std::string& json, const std::vector<std::pair<std::string, double>>& scalars) {
  metrics_ << json << '\n';
  metrics_.flush();
  if (!metrics_) throw file_error(file("metrics.jsonl"), "write failed (disk full?)");
  if (!events_) return;
  for (const auto& [tag, value] : scalars) events_->scalar(tag, step, value);
  flush_events();
}

std::string RunDirectory::samples_path(int64_t step) const {
  char name[48];
  std::snprintf(name, sizeof name, "samples/step_%06lld.png", static_cast<long long>(step));
  return file(name);
}

std::string RunDirectory::write_samples(int64_t step, const torch::Tensor& images) {
  const auto columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(images.size(0)))));
  const std::string path = samples_path(step);
  const auto grid = image::make_grid(images, columns);
  const auto png = image::encode_png(grid);  // once: the file and TensorBoard get the same bytes
  util::write_file_atomically(path, png.data(), png.size());
  if (events_) {
    events_->image(kTensorBoardSamplesTag, step, grid.width, grid.height, grid.channels, png);
    flush_events();
  }
  return path;
}

std::string RunDirectory::write_checkpoint(int64_t step, int64_t keep, const std::function<void(const std::string&)>& save) const {
  const fs::path dir = fs::path(path_) / "checkpoints";
  const std::string target = (dir / checkpoint_file_name(step)).string();
  save(target);
  try {
    Checkpoint::open(target);  // read back: rotate only once the new file is known good
  } catch (const RuntimeError&) {
    std::error_code ignored;
    fs::remove(target, ignored);
    throw;
  }
  std::vector<fs::path> existing;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step_", 0) == 0 && entry.path().extension() == ".pt") existing.push_back(entry.path());
  }
  std::sort(existing.begin(), existing.end());
  // The newest `keep` stay; the one just written is the newest, so a good checkpoint always remains.
  for (size_t i = 0; i + static_cast<size_t>(keep) < existing.size(); ++i) fs::remove(existing[i], ec);
  return target;
}

void RunDirectory::write_loss_curve() const { image::write_png(file("loss_curve.png"), image::plot_losses(loss_history_)); }

void RunDirectory::add_quality_point(int64_t step, const image::QualityPoint& point) { quality_history_.emplace_back(step, point); }

void RunDirectory::write_quality_curve(int64_t classes) const {
  std::vector<image::QualityPoint> points;
  for (const auto& [step, point] : quality_history_) points.push_back(point);
  image::write_png(file("quality_curve.png"), image::plot_quality(points, classes));
}

}  // namespace genai::train
