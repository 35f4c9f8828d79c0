#include "genai/train/training_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <thread>

#include "genai/config/schema.h"
#include "genai/data/dataset.h"
#include "genai/data/image_set.h"
#include "genai/data/locate.h"
#include "genai/dist/communicator.h"
#include "genai/error.h"
#include "genai/eval/classifier.h"
#include "genai/eval/report.h"
#include "genai/eval/scorecard.h"
#include "genai/models/sampling.h"
#include "genai/train/run_directory.h"
#include "genai/train/stop_policy.h"
#include "genai/util/device.h"
#include "genai/util/format.h"

namespace genai::train {
namespace {

constexpr uint64_t kQuickEvalSeedOffset = 0x6576616c;  // "eval"

// The observer with formatting, so the loop below reads like the log it writes.
struct Reporter {
  TrainingObserver& observer;
  template <class... Args>
  void say(Severity severity, std::string_view text, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
      observer.message(severity, std::string(text));  // a finished line (a path may hold braces)
    } else {
      observer.message(severity, util::format(text, args...));
    }
  }
};

// --eval-every: genai eval's classifier (cached beside the data, trained now on first use) and the test set's
// statistics, prepared once; each quick eval then scores eval-samples generated images.
struct QuickEvals {
  std::optional<eval::Classifier> classifier;
  std::unique_ptr<eval::EvalReference> reference;
};

QuickEvals prepare_quick_evals(const TrainConfig& config, const data::IdxFiles& files, const data::ImageDataset& train, torch::Device device,
                               Reporter& report) {
  QuickEvals quick;
  if (config.eval_every <= 0) return quick;
  const auto test = data::to_dataset(data::read_labeled_images(files.test_images, files.test_labels), files.test_images, device);
  quick.classifier = eval::obtain_classifier(eval::ClassifierSource{}, files, train, test, device,
                                             [&](const std::string& line) { report.say(Severity::kInfo, line); });
  eval::EvalSettings settings;
  settings.samples = config.eval_samples;
  settings.parzen = false;
  quick.reference = std::make_unique<eval::EvalReference>(*quick.classifier, train, test, settings, device);
  return quick;
}

// The processes on one machine share its cores: each plans its share (2 ranks on 2 cores: one thread each).
util::ThreadPlan plan_run_threads(const TrainConfig& config, const dist::World& world) {
  const int64_t cores =
      config.threads > 0 ? config.threads : std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()) / world.local_world_size);
  return util::plan_threads(cores, util::core_split_for(is_convolutional(config.model.kind)));
}

// Reads the training images onto the device and completes `config` from them: the model takes the data's shape
// (after --image-size / --channels), and a conditional model its classes, recorded in the config and checkpoints.
// Called before the run directory exists: a missing or bad file leaves nothing behind.
// Images per k-means cluster below which the dcgan default's clusters (measured on MNIST: 600 per cluster) are left
// off rather than conditioning on a handful of images each.
constexpr int64_t kMinImagesPerDefaultCluster = 100;

data::ImageDataset prepare_data(TrainConfig& config, bool clusters_given, torch::Device device, Reporter& report) {
  data::LoadOptions load;
  load.transform = {config.model.image_size, config.model.channels};
  load.skip_bad_files = config.skip_bad_images;
  load.cache_dir = config.image_cache;
  load.progress = [&](const std::string& line) { report.say(Severity::kInfo, line); };
  load.require_labels = is_conditional(config.model.kind);
  if (config.eval_every > 0 && data::detect_source(config.data, config.data_root) != data::SourceKind::kIdx)
    throw UsageError("--eval-every scores in genai eval's MNIST classifier, which takes 1x28x28 IDX data; use --eval-every 0 with " + config.data);
  const data::ImageSet images = data::load_training_images(config.data, config.data_root, load);
  config.model.channels = images.shape().channels;
  config.model.image_size = images.shape().size;
  if (!clusters_given && config.model.clusters > 0 && images.size() < config.model.clusters * kMinImagesPerDefaultCluster) {
    report.say(Severity::kInfo, "clusters: off ({} images are too few for the default {} k-means clusters; --clusters N asks for them)",
               images.size(), config.model.clusters);
    config.model.clusters = 0;
  }
  validate(config);  // the resolved shape against the model (e.g. a DCGAN needs a side that halves down to 4 or 7)
  if (config.eval_every > 0 && image_shape(config.model) != kMnistShape)
    throw UsageError("--eval-every scores in genai eval's MNIST classifier, which takes 1x28x28 IDX data; this run's data is " +
                     image_shape(config.model).describe() + ": use --eval-every 0");
  if (is_conditional(config.model.kind)) {
    if (!images.labelled)
      throw file_error(config.data, std::string("is an unlabelled ") + data::name(data::detect_source(config.data, config.data_root)) +
                                        "; a conditional model needs classes (a folder with one subfolder per class), or use an unconditional model");
    config.model.classes = images.labels.max().item<int64_t>() + 1;
    if (config.model.classes < 2)
      throw file_error(config.data, "labels give " + std::to_string(config.model.classes) +
                                        " class; a conditional model needs at least 2 (or use an unconditional model)");
    config.model.class_names = images.class_names;
    if (!config.model.class_names.empty() && static_cast<int64_t>(config.model.class_names.size()) != config.model.classes)
      config.model.class_names.clear();
  }
  return data::to_dataset(images, device);
}

// Data-parallel: this rank's connection to the others (null in one process).
std::unique_ptr<dist::Communicator> connect_ranks(const dist::World& world, torch::Device device, const TrainConfig& config) {
  if (!world.distributed()) return nullptr;
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(config.dist_timeout * 1000));
  return dist::Communicator::connect(world, device, timeout);
}

// Rank 0 creates the run directory (or reopens it for a resume) and writes the config into it; it returns rank 0's
// run directory, null on the other ranks, which write nothing there but their logs.
std::unique_ptr<RunDirectory> open_run_directory(const TrainConfig& config, const std::string& config_toml, const dist::World& world,
                                                 dist::Communicator* communicator, const std::optional<Checkpoint>& resume_from) {
  std::unique_ptr<RunDirectory> leader_run;
  if (world.leader()) {
    leader_run = std::make_unique<RunDirectory>(resume_from ? RunDirectory::reopen(config.out, resume_from->meta().step, config.tensorboard)
                                                            : RunDirectory(config.out, config.force, config.tensorboard));
    std::string written = config_toml;
    if (world.distributed())
      written += util::format("# trained by {} processes ({}, {}): the global batch is batch-size x {} = {} images\n", world.world_size,
                              world.launcher, communicator->backend(), world.world_size, config.batch_size * world.world_size);
    leader_run->write_config(written);
  }
  // The others wait for the directory (a rank that made it first would make rank 0 refuse an existing directory).
  if (communicator) communicator->barrier("the start (rank 0 creating " + config.out + ")");
  if (!world.leader()) std::filesystem::create_directories(config.out);  // for its log, also where the file system is not shared
  return leader_run;
}

// The lines that open the run's log: version and run directory, the ranks, the device and its threads, the data and
// the model.
void report_start(Reporter& report, const TrainConfig& config, const dist::World& world, const dist::Communicator* communicator,
                  const util::ThreadPlan& threads, Trainer& trainer, int64_t dataset_size, int64_t total, const std::string& run_path) {
  const torch::Device device = trainer.device();
  report.say(Severity::kInfo, "genai {} | run directory {}", GENAI_VERSION, run_path);
  if (world.distributed())
    report.say(Severity::kInfo, "data-parallel: {} | {} | global batch {} = {} x {} processes | BatchNorm statistics per process", world.describe(),
               communicator->backend(), config.batch_size * world.world_size, config.batch_size, world.world_size);
  if (device.is_cpu()) {
    report.say(Severity::kInfo, "device {} | {} | BLAS: {}", device.str(), threads.describe(), util::blas_description());
  } else {  // the step runs on the GPU: the CPU's BLAS and its thread split do not matter
    report.say(Severity::kInfo, "device {} | host: {}", device.str(), threads.describe());
  }
  report.say(Severity::kInfo, "data {} ({} images) | model {} (G {} parameters, D {} parameters) | batch {} | {} steps ({:.1f} epochs)", config.data,
             dataset_size, name(config.model.kind), models::parameter_count(*trainer.gan().generator),
             models::parameter_count(*trainer.gan().discriminator), config.batch_size, total,
             static_cast<double>(total) / trainer.batches_per_epoch());

  if (const auto& sizes = trainer.cluster_sizes(); sizes.defined())
    report.say(Severity::kInfo, "clusters: {} k-means clusters of the training images in {:.1f} s, {} to {} images each", sizes.size(0),
               trainer.clustering_seconds(), sizes.min().item<int64_t>(), sizes.max().item<int64_t>());
}

// The Trainer's events for this run: progress to the observer and, on rank 0, metrics, sample grids, checkpoints and
// quick evals into the run directory; a failed write or eval is reported and training goes on. The stop policy
// (signals, --max-time) answers should_stop. It refers to the run's pieces, which outlive it in TrainingRun::run,
// and its events refer to it: it neither copies nor moves.
class RunLoopEvents {
 public:
  RunLoopEvents(TrainingObserver& observer, const TrainingRequest& request, const TrainConfig& config, const std::string& config_toml,
                Trainer& trainer, QuickEvals& quick, RunDirectory* leader_run, int64_t total)
      : observer_(observer),
        report_{observer},
        request_(request),
        config_(config),
        config_toml_(config_toml),
        trainer_(trainer),
        quick_(quick),
        leader_run_(leader_run),
        total_(total),
        stop_policy_(config, request.start, request.stop_requested) {
    events_.on_log = [this](const StepMetrics& m) { record_metrics(m); };
    events_.should_stop = [this] { return should_stop(); };
    if (!leader_run_) return;  // rank 0 writes the samples, checkpoints and evals
    events_.on_samples = [this](int64_t step) { write_samples(step); };
    events_.on_checkpoint = [this](int64_t step) { write_checkpoint(step); };
    events_.on_eval = [this](int64_t step) { quick_eval(step); };
  }
  RunLoopEvents(const RunLoopEvents&) = delete;
  RunLoopEvents& operator=(const RunLoopEvents&) = delete;

  const TrainerEvents& events() const { return events_; }
  // quality_curve.png's time axis, training wall time (evals included), counts from here: call it as the loop starts.
  void start_clock() { loop_start_ = std::chrono::steady_clock::now(); }
  // The last failed checkpoint write, cleared by a successful one.
  const std::string& checkpoint_error() const { return checkpoint_error_; }

 private:
  void record_metrics(const StepMetrics& m) {
    observer_.progress(m, total_);
    if (!leader_run_) return;
    try {
      leader_run_->append_metrics(m);
    } catch (const RuntimeError& e) {
      report_.say(Severity::kError, "{}; training goes on", e.what());
    }
  }

  void write_samples(int64_t step) {
    try {
      report_.say(Severity::kDebug, "wrote {}", leader_run_->write_samples(step, trainer_.fixed_samples()));
      leader_run_->write_loss_curve();
    } catch (const RuntimeError& e) {
      report_.say(Severity::kError, "{}; training goes on", e.what());
    }
  }

  void write_checkpoint(int64_t step) {
    const auto start = std::chrono::steady_clock::now();
    try {
      const auto path = leader_run_->write_checkpoint(step, config_.keep_checkpoints,
                                                      [&](const std::string& target) { trainer_.save_checkpoint(target, config_toml_); });
      checkpoint_error_.clear();
      report_.say(Severity::kDebug, "wrote {}", path);
    } catch (const RuntimeError& e) {
      // The state is still in memory: keep training and try again at the next checkpoint.
      checkpoint_error_ = e.what();
      report_.say(Severity::kError, "checkpoint at step {} failed: {}; training goes on and tries again at the next checkpoint", step, e.what());
    }
    stop_policy_.record_checkpoint_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  void quick_eval(int64_t step) {
    // The quick eval only observes: a failure in it is logged and training goes on.
    try {
      // A fixed noise seed (not the training noise's), so the figures of one run are comparable over time.
      const auto labels = is_conditional(config_.model.kind) ? models::balanced_labels(config_.eval_samples, config_.model.classes) : torch::Tensor();
      // The EMA generator when there is one: what sample and eval use.
      const auto ema = trainer_.ema_generator();
      const auto images = models::generate_images(ema ? *ema : *trainer_.gan().generator, config_.model.z_dim, config_.eval_samples,
                                                  config_.seed ^ kQuickEvalSeedOffset, trainer_.device(), labels);
      const auto scores = quick_.reference->quick_score(images);
      report_.say(Severity::kInfo, "eval at step {}: FD-LeNet {:.4f} | classifier score {:.3f} | {}/{} classes covered ({} samples)", step,
                  scores.frechet_distance, scores.classifier_score.mean, scores.modes.covered, quick_.reference->classes(), scores.count);
      const double wall =
          leader_run_->trained_seconds_before() + std::chrono::duration<double>(std::chrono::steady_clock::now() - loop_start_).count();
      leader_run_->append_eval(step, eval::quick_eval_json(step, scores, wall), eval::quick_eval_scalars(scores));
      leader_run_->add_quality_point(step, {wall, scores.frechet_distance, scores.modes.covered});
      leader_run_->write_quality_curve(quick_.reference->classes());
    } catch (const std::exception& e) {
      report_.say(Severity::kError, "quick eval at step {} failed: {}; training goes on", step, e.what());
    }
  }

  std::string should_stop() {
    if (request_.inject_nan_at_step > 0 && !nan_injected_ && trainer_.steps_done() == request_.inject_nan_at_step) {
      torch::NoGradGuard no_grad;
      trainer_.gan().generator->parameters().front().fill_(std::numeric_limits<float>::quiet_NaN());
      nan_injected_ = true;
    }
    return stop_policy_.poll();
  }

  TrainingObserver& observer_;
  Reporter report_;
  const TrainingRequest& request_;
  const TrainConfig& config_;
  const std::string& config_toml_;
  Trainer& trainer_;
  QuickEvals& quick_;
  RunDirectory* leader_run_;  // null on the ranks other than 0
  const int64_t total_;
  StopPolicy stop_policy_;
  TrainerEvents events_;
  std::chrono::steady_clock::time_point loop_start_ = std::chrono::steady_clock::now();
  std::string checkpoint_error_;
  bool nan_injected_ = false;
};

// Trainer::run to the end or an early stop. A divergence ends the run with a RuntimeError naming the last good
// checkpoint; with --on-nan rollback, the run instead goes back to the newest valid checkpoint with both learning
// rates scaled by kRollbackLearningRateFactor, at most kMaxRollbacks times.
RunOutcome run_with_rollbacks(Trainer& trainer, const TrainerEvents& events, int64_t total, const TrainConfig& config, const std::string& run_path,
                              RunDirectory* leader_run, Reporter& report) {
  for (int rollbacks = 0;;) {
    try {
      return trainer.run(total, events);
    } catch (const DivergenceError& e) {
      std::vector<std::string> skipped;
      std::optional<Checkpoint> good;
      try {
        good = open_newest_valid_checkpoint(run_path, trainer.device(), skipped);
      } catch (const RuntimeError&) {
      }
      const std::string last_good = good ? good->path() : "none yet";
      if (!rolls_back(config.on_nan) || rollbacks >= kMaxRollbacks || !good) {
        const std::string hint = !rolls_back(config.on_nan) ? "; try --on-nan rollback or lower learning rates"
                                 : !good                    ? "; no checkpoint to roll back to"
                                                            : "; rolled back " + std::to_string(rollbacks) + " times already";
        throw RuntimeError(std::string("training diverged: ") + e.what() + "; last good checkpoint: " + last_good + hint);
      }
      ++rollbacks;
      for (const auto& warning : trainer.restore(*good)) report.say(Severity::kWarn, warning);
      try {
        leader_run->rewind_events(good->meta().step);
      } catch (const RuntimeError& error) {
        report.say(Severity::kError, "{}; TensorBoard may show the steps after step {} twice", error.what(), good->meta().step);
      }
      trainer.scale_learning_rates(kRollbackLearningRateFactor);
      report.say(Severity::kWarn, "training diverged ({}); rollback {}/{} to {} with learning rates G {:.3g}, D {:.3g}", e.what(), rollbacks,
                 kMaxRollbacks, good->path(), trainer.learning_rate_g(), trainer.learning_rate_d());
    }
  }
}

TrainingResult training_result(const RunOutcome& outcome, const Trainer& trainer, int64_t total, const std::string& run_path,
                               const RunDirectory* leader_run) {
  TrainingResult result;
  result.run_directory = run_path;
  result.finished = outcome.finished;
  result.stop_reason = outcome.stop_reason;
  result.steps_done = trainer.steps_done();
  result.total_steps = total;
  if (leader_run) {  // the other ranks' file system may not even hold rank 0's files
    result.checkpoint = newest_checkpoint(run_path);
    result.samples = leader_run->samples_path(trainer.steps_done());
    result.loss_curve = leader_run->file("loss_curve.png");
  }
  return result;
}

}  // namespace

TrainingRun::TrainingRun(TrainingRequest request) : request_(std::move(request)), config_(request_.config) {
  validate(config_);
  if (request_.world.distributed()) {
    if (config_.out.empty())
      throw UsageError("several processes (" + request_.world.launcher + ") need --out RUN_DIR, the same on every rank: rank 0 writes it");
    if (rolls_back(config_.on_nan))
      throw UsageError("--on-nan rollback works in one process only for now; use --on-nan stop with several (then --resume)");
  }
  if (request_.resume) {
    if (config_.out.empty()) throw UsageError("--resume needs --out RUN_DIR, the run directory to continue");
    // Opened on the CPU: the device is known only after the saved config (which names it) is merged.
    resume_from_ = open_newest_valid_checkpoint(config_.out, torch::kCPU, skipped_checkpoints_);
    // The saved config with the safe changes the user asked for (flags or --config file); others are refused.
    const auto given = request_.given ? request_.given : [](const std::string&) { return false; };
    config_ = resumed_config(parse_train_config(resume_from_->meta().config_toml), request_.config, given, resume_from_->path());
    validate(config_);
  }
  thread_plan_ = plan_run_threads(config_, request_.world);  // from the resolved config: a resume's model kind is the saved one
}

TrainingRun::~TrainingRun() = default;

TrainingResult TrainingRun::run(TrainingObserver& observer) {
  Reporter report{observer};
  TrainConfig config = config_;
  const dist::World& world = request_.world;
  const torch::Device device = util::resolve_device(config.device, world.local_rank);
  if (request_.cuda_sync_debug && !device.is_cuda()) throw UsageError("--cuda-sync-debug needs a CUDA device; use --device cuda");

  // Build everything that can fail on bad input (data, model, checkpoint state) before the run directory exists.
  auto dataset = prepare_data(config, /*clusters_given=*/!request_.given || request_.resume || request_.given("clusters"), device, report);
  QuickEvals quick =
      world.leader() && config.eval_every > 0
          ? prepare_quick_evals(config, data::locate_dataset(config.data, config.data_root, /*need_test_split=*/true), dataset, device, report)
          : QuickEvals{};
  const auto communicator = connect_ranks(world, device, config);
  const int64_t dataset_size = dataset.size();
  Trainer trainer(config, std::move(dataset), device, communicator.get());
  trainer.trap_host_syncs(request_.cuda_sync_debug);
  std::vector<std::string> restore_warnings;
  if (resume_from_) restore_warnings = trainer.restore(*resume_from_);

  if (config.out.empty()) config.out = default_run_directory(config.model.kind);
  const std::string config_toml = to_toml(config);
  const auto leader_run = open_run_directory(config, config_toml, world, communicator.get(), resume_from_);
  const std::string run_path = leader_run ? leader_run->path() : config.out;
  observer.run_directory_ready(run_path);
  for (const auto& problem : skipped_checkpoints_) report.say(Severity::kWarn, "skipped a bad checkpoint: {}", problem);
  for (const auto& warning : restore_warnings) report.say(Severity::kWarn, warning);
  if (resume_from_) {
    report.say(Severity::kInfo, "resumed from {} (step {}, epoch {})", resume_from_->path(), resume_from_->meta().step, resume_from_->meta().epoch);
    resume_from_.reset();
  }
  const int64_t total = total_steps(config, trainer.batches_per_epoch());
  report_start(report, config, world, communicator.get(), thread_plan_, trainer, dataset_size, total, run_path);

  RunLoopEvents loop_events(observer, request_, config, config_toml, trainer, quick, leader_run.get(), total);
  loop_events.start_clock();
  const RunOutcome outcome = run_with_rollbacks(trainer, loop_events.events(), total, config, run_path, leader_run.get(), report);

  // No rank leaves before rank 0 has written the last checkpoint: a launcher that ends the job at the first exit
  // (srun --kill-on-bad-exit, torchrun after a stop's exit 75) must not cut that write short.
  if (communicator) communicator->barrier("the end (rank 0 writing the last checkpoint)");
  if (!loop_events.checkpoint_error().empty())
    throw RuntimeError("the last checkpoint could not be written (" + loop_events.checkpoint_error() + "); the newest earlier one is kept in " +
                       leader_run->file("checkpoints"));
  return training_result(outcome, trainer, total, run_path, leader_run.get());
}

}  // namespace genai::train
