#include "train_command.h"

#include <chrono>
#include <cstdio>
#include <limits>
#include <optional>
#include <sstream>

#include "genai/checkpoint.h"
#include "genai/config/schema.h"
#include "genai/data/dataset.h"
#include "genai/data/locate.h"
#include "genai/error.h"
#include "genai/eval/classifier.h"
#include "genai/eval/report.h"
#include "genai/eval/scorecard.h"
#include "genai/models/gan.h"
#include "genai/models/sampling.h"
#include "genai/train/run_directory.h"
#include "genai/train/trainer.h"
#include "genai/util/device.h"
#include "stop_policy.h"
#include "stop_signals.h"

namespace genai::cli {
namespace {
constexpr uint64_t kQuickEvalSeedOffset = 0x6576616c;  // "eval"
}  // namespace

CLI::App* add_train_command(CLI::App& app, TrainOptions& options) {
  auto* cmd = app.add_subcommand("train", "Train a GAN (BCE losses, Adam) on 28x28 images");
  // A flag given twice takes its last value, as in most Unix tools (and lets flags repeat a preset's).
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  auto& c = options.config;
  add_train_options(*cmd, c);  // every config key, from the schema (genai/config/schema.h)
  cmd->add_option("--out", c.out, "Run directory (default: runs/<model>-<timestamp>)")->configurable(false);
  cmd->add_flag("--resume", options.resume, "Continue the run in --out from its newest valid checkpoint, with its saved config")->configurable(false);
  cmd->add_flag("--force", c.force, "Write into an existing non-empty run directory")->configurable(false);
  cmd->add_flag("--print-config", options.print_config, "Print the resolved config as TOML and exit")->configurable(false);
  cmd->add_option("--inject-nan-at-step", options.inject_nan_at_step)->group("")->configurable(false);  // fault injection for tests
  add_verbosity_flags(*cmd, options.verbosity);
  options.command = cmd;
  return cmd;
}

namespace {

// Human progress: a live line on a terminal, one plain log line per interval otherwise.
class ProgressReporter {
 public:
  ProgressReporter(Log& log, int64_t total_steps, int64_t batch_size, bool live)
      : log_(log), total_(total_steps), batch_size_(static_cast<double>(batch_size)), live_(live) {}
  ~ProgressReporter() { finish_line(); }

  void report(const train::StepMetrics& m) {
    const double it_per_s = m.images_per_second / batch_size_;
    const double eta = it_per_s > 0 ? (total_ - m.step) / it_per_s : 0;
    char line[256];
    std::snprintf(line, sizeof line, "step %lld/%lld (%.0f%%) | epoch %lld | %.1f it/s | ETA %s | D %.3f  G %.3f | D(x) %.2f  D(G(z)) %.2f",
                  static_cast<long long>(m.step), static_cast<long long>(total_), 100.0 * m.step / total_, static_cast<long long>(m.epoch), it_per_s,
                  format_duration(eta).c_str(), m.d_loss, m.g_loss, m.d_real, m.d_fake);
    if (live_ && log_.console_shows(LogLevel::kInfo)) {
      std::fprintf(stderr, "\r\033[K%s", line);
      std::fflush(stderr);
      line_open_ = true;
      log_.write_to_file_only(LogLevel::kInfo, line);  // the log file still gets every line
    } else {
      log_.write(LogLevel::kInfo, line);
    }
  }
  void finish_line() {
    if (line_open_) std::fprintf(stderr, "\n");
    line_open_ = false;
  }

 private:
  Log& log_;
  int64_t total_;
  double batch_size_;
  bool live_;
  bool line_open_ = false;
};

}  // namespace

int run_train(const TrainOptions& options) {
  const auto command_start = std::chrono::steady_clock::now();
  TrainConfig config = options.config;
  validate(config);
  if (options.resume && config.out.empty()) throw UsageError("--resume needs --out RUN_DIR, the run directory to continue");

  std::optional<Checkpoint> resume_from;
  std::vector<std::string> skipped_checkpoints;
  if (options.resume) {
    // Opened on the CPU: the device is known only after the saved config (which names it) is merged.
    resume_from = open_newest_valid_checkpoint(config.out, torch::kCPU, skipped_checkpoints);
    // The saved config with the safe changes the user asked for (flags or --config file); others are refused.
    const auto given = [&](const std::string& key) {
      const CLI::Option* option = options.command->get_option_no_throw("--" + key);
      return option != nullptr && option->count() > 0;
    };
    config = resumed_config(parse_train_config(resume_from->meta().config_toml), options.config, given, resume_from->path());
    validate(config);
  }
  const torch::Device device = util::resolve_device(config.device);
  if (options.print_config) {
    std::fputs(to_toml(config).c_str(), stdout);
    return 0;
  }
  util::keep_freed_memory_in_process();
  const auto threads = util::plan_threads(config.threads, util::core_split_for(config.model.kind));
  util::configure_cpu(threads);

  // Read the data before creating the run directory: a missing or bad file leaves nothing behind.
  const bool quick_evals = config.eval_every > 0;
  const auto files = data::locate_dataset(config.data, config.data_root, /*need_test_split=*/quick_evals);
  auto dataset = data::to_dataset(data::read_labeled_images(files.train_images, files.train_labels), files.train_images, device);
  if (models::is_conditional(config.model.kind)) {
    config.model.classes = dataset.labels.max().item<int64_t>() + 1;
    if (config.model.classes < 2)
      throw file_error(files.train_labels, "labels give " + std::to_string(config.model.classes) +
                                               " class; a conditional model needs at least 2 (or use an unconditional model)");
    config.model.class_names = data::known_class_names(config.data);
    if (!config.model.class_names.empty() && static_cast<int64_t>(config.model.class_names.size()) != config.model.classes)
      config.model.class_names.clear();
  }

  // --eval-every: genai eval's classifier (cached beside the data, trained now on first use) and the
  // test set's statistics, prepared once; each quick eval then scores eval-samples generated images.
  std::optional<eval::Classifier> classifier;
  std::unique_ptr<eval::EvalReference> quick_eval;
  if (quick_evals) {
    auto setup_log = make_logger(options.verbosity);
    const auto test = data::to_dataset(data::read_labeled_images(files.test_images, files.test_labels), files.test_images, device);
    classifier =
        eval::obtain_classifier(eval::ClassifierSource{}, files, dataset, test, device, [&](const std::string& line) { setup_log->info(line); });
    eval::EvalSettings settings;
    settings.samples = config.eval_samples;
    settings.parzen = false;
    quick_eval = std::make_unique<eval::EvalReference>(*classifier, dataset, test, settings, device);
  }

  // Build everything that can fail on bad input before the run directory exists.
  const int64_t dataset_size = dataset.size();
  train::Trainer trainer(config, std::move(dataset), device);
  std::vector<std::string> restore_warnings;
  if (resume_from) restore_warnings = trainer.restore(*resume_from);

  if (config.out.empty()) config.out = train::default_run_directory(config.model.kind);
  train::RunDirectory run = resume_from ? train::RunDirectory::reopen(config.out, resume_from->meta().step, config.tensorboard)
                                        : train::RunDirectory(config.out, config.force, config.tensorboard);
  const std::string config_toml = to_toml(config);
  run.write_config(config_toml);
  auto log = make_logger(options.verbosity, run.file("train.log"));
  for (const auto& problem : skipped_checkpoints) log->warn("skipped a bad checkpoint: {}", problem);
  for (const auto& warning : restore_warnings) log->warn(warning);
  if (resume_from) {
    log->info("resumed from {} (step {}, epoch {})", resume_from->path(), resume_from->meta().step, resume_from->meta().epoch);
    resume_from.reset();
  }
  const int64_t total = train::total_steps(config, trainer.batches_per_epoch());
  log->info("genai {} | run directory {}", GENAI_VERSION, run.path());
  if (device.is_cpu()) {
    log->info("device {} | {} | BLAS: {}", device.str(), threads.describe(), util::blas_description());
  } else {  // the step runs on the GPU: the CPU's BLAS and its thread split do not matter
    log->info("device {} | host: {}", device.str(), threads.describe());
  }
  log->info("data {} ({} images) | model {} (G {} parameters, D {} parameters) | batch {} | {} steps ({:.1f} epochs)", config.data, dataset_size,
            config.model.kind, models::parameter_count(*trainer.gan().generator), models::parameter_count(*trainer.gan().discriminator),
            config.batch_size, total, static_cast<double>(total) / trainer.batches_per_epoch());

  ProgressReporter progress(*log, total, config.batch_size, stderr_is_terminal());
  StopPolicy stop_policy(config, command_start);
  std::string checkpoint_error;  // the last failed checkpoint write, cleared by a successful one
  train::TrainerEvents events;
  events.on_log = [&](const train::StepMetrics& m) {
    progress.report(m);
    try {
      run.append_metrics(m);
    } catch (const RuntimeError& e) {
      log->error("{}; training goes on", e.what());
    }
  };
  events.on_samples = [&](int64_t step) {
    try {
      log->debug("wrote {}", run.write_samples(step, trainer.fixed_samples()));
      run.write_loss_curve();
    } catch (const RuntimeError& e) {
      log->error("{}; training goes on", e.what());
    }
  };
  events.on_checkpoint = [&](int64_t step) {
    const auto start = std::chrono::steady_clock::now();
    try {
      const auto path =
          run.write_checkpoint(step, config.keep_checkpoints, [&](const std::string& target) { trainer.save_checkpoint(target, config_toml); });
      checkpoint_error.clear();
      log->debug("wrote {}", path);
    } catch (const RuntimeError& e) {
      // The state is still in memory: keep training and try again at the next checkpoint.
      checkpoint_error = e.what();
      progress.finish_line();
      log->error("checkpoint at step {} failed: {}; training goes on and tries again at the next checkpoint", step, e.what());
    }
    stop_policy.record_checkpoint_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
  events.on_eval = [&](int64_t step) {
    progress.finish_line();
    // The quick eval only observes: a failure in it is logged and training goes on.
    try {
      // A fixed noise seed (not the training noise's), so the figures of one run are comparable over time.
      const auto labels =
          models::is_conditional(config.model.kind) ? models::balanced_labels(config.eval_samples, config.model.classes) : torch::Tensor();
      // The EMA generator when there is one: what sample and eval use.
      const auto ema = trainer.ema_generator();
      const auto images = models::generate_images(ema ? *ema : *trainer.gan().generator, config.model.z_dim, config.eval_samples,
                                                  config.seed ^ kQuickEvalSeedOffset, device, labels);
      const auto quick = quick_eval->quick_score(images);
      log->info("eval at step {}: FD-LeNet {:.4f} | classifier score {:.3f} | {}/{} classes covered ({} samples)", step, quick.frechet_distance,
                quick.classifier_score.mean, quick.modes.covered, quick_eval->classes(), quick.count);
      run.append_eval(step, eval::quick_eval_json(step, quick), eval::quick_eval_scalars(quick));
    } catch (const std::exception& e) {
      log->error("quick eval at step {} failed: {}; training goes on", step, e.what());
    }
  };
  bool nan_injected = false;
  events.should_stop = [&] {
    if (options.inject_nan_at_step > 0 && !nan_injected && trainer.steps_done() == options.inject_nan_at_step) {
      torch::NoGradGuard no_grad;
      trainer.gan().generator->parameters().front().fill_(std::numeric_limits<float>::quiet_NaN());
      nan_injected = true;
    }
    return stop_policy.poll();
  };

  install_stop_handlers();
  train::RunOutcome outcome;
  for (int rollbacks = 0;;) {
    try {
      outcome = trainer.run(total, events);
      break;
    } catch (const train::DivergenceError& e) {
      progress.finish_line();
      std::vector<std::string> skipped;
      std::optional<Checkpoint> good;
      try {
        good = open_newest_valid_checkpoint(run.path(), device, skipped);
      } catch (const RuntimeError&) {
      }
      const std::string last_good = good ? good->path() : "none yet";
      if (config.on_nan != "rollback" || rollbacks >= kMaxRollbacks || !good) {
        const std::string hint = config.on_nan != "rollback" ? "; try --on-nan rollback or lower learning rates"
                                 : !good                     ? "; no checkpoint to roll back to"
                                                             : "; rolled back " + std::to_string(rollbacks) + " times already";
        throw RuntimeError(std::string("training diverged: ") + e.what() + "; last good checkpoint: " + last_good + hint);
      }
      ++rollbacks;
      for (const auto& warning : trainer.restore(*good)) log->warn(warning);
      try {
        run.rewind_events(good->meta().step);
      } catch (const RuntimeError& e) {
        log->error("{}; TensorBoard may show the steps after step {} twice", e.what(), good->meta().step);
      }
      trainer.scale_learning_rates(kRollbackLearningRateFactor);
      log->warn("training diverged ({}); rollback {}/{} to {} with learning rates G {:.3g}, D {:.3g}", e.what(), rollbacks, kMaxRollbacks,
                good->path(), trainer.learning_rate_g(), trainer.learning_rate_d());
    }
  }
  restore_default_signal_handlers();
  progress.finish_line();

  if (!checkpoint_error.empty())
    throw RuntimeError("the last checkpoint could not be written (" + checkpoint_error + "); the newest earlier one is kept in " +
                       run.file("checkpoints"));
  if (!outcome.finished) {
    log->warn("stopped early at step {} of {}: {}; checkpoint written. Continue with: genai train --resume --out {}", trainer.steps_done(), total,
              outcome.stop_reason, run.path());
    std::printf("%s\n", run.path().c_str());
    return kExitStoppedEarly;
  }
  log->info("done: {} steps | checkpoint {} | loss curve {}", trainer.steps_done(), newest_checkpoint(run.path()), run.file("loss_curve.png"));
  log->info("samples: {}", run.samples_path(trainer.steps_done()));
  std::printf("%s\n", run.path().c_str());
  return 0;
}

}  // namespace genai::cli
