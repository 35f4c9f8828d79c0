#include "train_command.h"

#include <cstdio>
#include <cstdlib>

#include "genai/dist/world.h"
#include "genai/train/training_run.h"
#include "genai/util/device.h"
#include "openmp_spin.h"
#include "stop_signals.h"

namespace genai::cli {

CLI::App* add_train_command(CLI::App& app, TrainOptions& options) {
  auto* cmd = app.add_subcommand("train", "Train a GAN on MNIST, Fashion-MNIST, CIFAR files or a folder of your images");
  // A flag given twice takes its last value, as in most Unix tools (and lets flags repeat a preset's).
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  auto& c = options.config;
  add_train_options(*cmd, c);  // every config key, from the schema (genai/config/schema.h)
  cmd->add_option("--out", c.out, "Run directory (default: runs/<model>-<timestamp>)")->configurable(false);
  cmd->add_flag("--resume", options.resume, "Continue the run in --out from its newest valid checkpoint, with its saved config")->configurable(false);
  cmd->add_flag("--force", c.force, "Write into an existing non-empty run directory")->configurable(false);
  cmd->add_flag("--print-config", options.print_config, "Print the resolved config as TOML and exit")->configurable(false);
  cmd->add_option("--inject-nan-at-step", options.inject_nan_at_step)->group("")->configurable(false);  // fault injection for tests
  cmd->add_flag("--cuda-sync-debug", options.cuda_sync_debug)->group("")->configurable(false);  // scripts/gpu-check.sh: no host syncs in a step
  add_verbosity_flags(*cmd, options.verbosity);
  cmd->footer("Keys you do not give take their --model's defaults, which add its preset's objective to the values above: " +
              model_defaults_summary() + " (genai train --print-config shows them).");
  options.command = cmd;
  return cmd;
}

TrainConsole::TrainConsole(const Verbosity& verbosity, bool live) : verbosity_(verbosity), live_(live), log_(make_logger(verbosity)) {}

TrainConsole::~TrainConsole() { finish_line(); }

void TrainConsole::set_rank(int rank) {
  rank_ = rank;
  if (rank_ != 0) log_ = std::make_shared<Log>(LogLevel::kError, "");
}

void TrainConsole::run_directory_ready(const std::string& path) {
  log_ = rank_ == 0 ? make_logger(verbosity_, path + "/train.log")
                    : std::make_shared<Log>(LogLevel::kError, path + "/train.rank" + std::to_string(rank_) + ".log");
  // From here a stop signal means "checkpoint and exit 75"; during set-up (data, the eval classifier) it
  // still ends the process at once, with nothing written.
  install_stop_handlers();
}

void TrainConsole::message(train::Severity severity, const std::string& line) {
  finish_line();
  const LogLevel level = severity == train::Severity::kDebug  ? LogLevel::kDebug
                         : severity == train::Severity::kInfo ? LogLevel::kInfo
                         : severity == train::Severity::kWarn ? LogLevel::kWarn
                                                              : LogLevel::kError;
  log_->write(level, line);
}

void TrainConsole::progress(const train::StepMetrics& m, int64_t total) {
  const double it_per_s = m.images_per_second / static_cast<double>(batch_size_);
  const double eta = it_per_s > 0 ? static_cast<double>(total - m.step) / it_per_s : 0;
  const std::string line = util::format("step {}/{} ({:.0f}%) | epoch {} | {:.1f} it/s | ETA {} | D {:.3f}  G {:.3f} | D(x) {:.2f}  D(G(z)) {:.2f}",
                                        m.step, total, 100.0 * static_cast<double>(m.step) / static_cast<double>(total), m.epoch, it_per_s,
                                        util::format_duration(eta), m.d_loss, m.g_loss, m.d_real, m.d_fake);
  if (live_ && log_->console_shows(LogLevel::kInfo)) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    line_open_ = true;
    log_->write_to_file_only(LogLevel::kInfo, line);  // the log file still gets every line
  } else {
    log_->write(LogLevel::kInfo, line);
  }
}

void TrainConsole::finish_line() {
  if (line_open_) std::fprintf(stderr, "\n");
  line_open_ = false;
}

int run_train(const TrainOptions& options) {
  train::TrainingRequest request;
  request.world = dist::detect_world(dist::process_environment());  // torchrun, srun, or one process
  request.resume = options.resume;
  request.given = [&](const std::string& key) {  // a flag, or a key of the --config file
    const CLI::Option* option = options.command->get_option_no_throw("--" + key);
    return option != nullptr && option->count() > 0;
  };
  // A new run takes its model's defaults for what the user left out; a resumed one its saved config.
  request.config = options.resume ? options.config : with_model_defaults(options.config, request.given);
  request.stop_requested = [] {
    const int signal = requested_stop_signal();
    return signal ? std::string("received ") + signal_name(signal) : std::string();
  };
  request.inject_nan_at_step = options.inject_nan_at_step;
  request.cuda_sync_debug = options.cuda_sync_debug;
  train::TrainingRun training(std::move(request));
  if (options.print_config) {
    std::fputs(to_toml(training.config()).c_str(), stdout);
    return 0;
  }

  // The resolved config names the model (a resumed run's is in its checkpoint): restart now, before anything is written.
  restart_with_bounded_openmp_spin(options.argv, bounded_spin_count(training.config().model.kind), training.config());
  // The process-wide settings the library leaves to the program, once the process is the one that trains: the
  // run's thread split, and freed step buffers kept in the process.
  util::keep_freed_memory_in_process();
  util::configure_cpu(training.thread_plan());

  TrainConsole console(options.verbosity, stderr_is_terminal());
  console.set_rank(training.world().rank);
  console.set_batch_size(training.config().batch_size * training.world().world_size);  // it/s counts global batches
  if (const char* spin = std::getenv("GOMP_SPINCOUNT")) console.log().debug("OpenMP: GOMP_SPINCOUNT={}", spin);
  const auto result = training.run(console);
  // A run that stopped early keeps the handlers to the end: a launcher signals every process, and a signal that
  // arrives after this one stopped (the ranks agreed on the step first) must not turn exit 75 into a kill.
  if (result.finished) restore_default_signal_handlers();
  console.finish_line();
  auto& log = console.log();
  if (!result.finished) {
    log.warn("stopped early at step {} of {}: {}; checkpoint written. Continue with: genai train --resume --out {}", result.steps_done,
             result.total_steps, result.stop_reason, result.run_directory);
    std::printf("%s\n", result.run_directory.c_str());
    return kExitStoppedEarly;
  }
  log.info("done: {} steps | checkpoint {} | loss curve {}", result.steps_done, result.checkpoint, result.loss_curve);
  log.info("samples: {}", result.samples);
  std::printf("%s\n", result.run_directory.c_str());
  return 0;
}

}  // namespace genai::cli
