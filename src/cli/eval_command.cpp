#include "eval_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "checkpoint_source.h"
#include "genai/config/schema.h"
#include "genai/data/dataset.h"
#include "genai/data/locate.h"
#include "genai/error.h"
#include "genai/eval/report.h"
#include "genai/export/idx_dataset.h"
#include "genai/models/sampling.h"
#include "genai/util/atomic_file.h"
#include "genai/util/device.h"
#include "train_command.h"

namespace genai::cli {

CLI::App* add_eval_command(CLI::App& app, EvalOptions& o) {
  auto* cmd = app.add_subcommand("eval",
                                 "Score a generator: FD-LeNet, KID, classifier score, mode coverage, precision/recall, "
                                 "density/coverage, Parzen log-likelihood, each next to the real-data baseline. FD-LeNet uses "
                                 "genai's own MNIST-style classifier and is NOT comparable to Inception FID.");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_checkpoint_source_options(*cmd, o.checkpoint, o.run);
  cmd->add_option("--samples", o.settings.samples, "Generated images (and real baseline images); compare FD and KID only at equal counts")
      ->capture_default_str();
  cmd->add_option("--seed", o.settings.seed, "Seed of the noise, the baseline subset and the KID subsets")->capture_default_str();
  cmd->add_option("--json", o.json, "Also write every figure, the counts, seeds and classifier hash to this JSON file");
  cmd->add_option("--data", o.data,
                  "mnist | fashion-mnist | DIR (default: the data the checkpoint was trained on); alone, without "
                  "--checkpoint/--run, scores only the real data");
  cmd->add_option("--data-root", o.data_root, "Where mnist and fashion-mnist live (default: the checkpoint's, else data)");
  cmd->add_option("--classifier", o.classifier, "Use this classifier file instead of the cached one");
  cmd->add_flag("--retrain-classifier", o.retrain_classifier, "Train the classifier again even if one is cached");
  cmd->add_option("--classifier-epochs", o.classifier_epochs, "Epochs when the classifier is trained")->capture_default_str();
  cmd->add_option("--kid-subsets", o.settings.kid_subsets, "KID: number of random subsets")->capture_default_str();
  cmd->add_option("--kid-subset-size", o.settings.kid_subset_size, "KID: images per subset")->capture_default_str();
  cmd->add_flag("--no-parzen", o.no_parzen, "Skip the Parzen-window log-likelihood");
  cmd->add_flag("--no-ema", o.no_ema, "Score the raw generator weights even if the checkpoint has EMA weights");
  cmd->add_flag("--tstr", o.tstr,
                "Conditional models: train the classifier's architecture on as many generated images as the "
                "training split has, test it on the real test set (train on synthetic, test on real)");
  cmd->add_option("--device", o.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_option("--threads", o.threads, "CPU cores to use (0: all)")->capture_default_str();
  add_verbosity_flags(*cmd, o.verbosity);
  return cmd;
}

int run_eval(const EvalOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  eval::EvalSettings settings = o.settings;
  settings.parzen = !o.no_parzen;
  std::vector<std::string> problems;
  if (!o.checkpoint.empty() && !o.run.empty()) problems.push_back("give only one of --checkpoint FILE or --run DIR");
  if (o.checkpoint.empty() && o.run.empty() && o.data.empty())
    problems.push_back("give --checkpoint FILE or --run DIR (or --data alone to score only the real data)");
  if (settings.samples < 20 || settings.samples > 100000)
    problems.push_back("samples = " + std::to_string(settings.samples) + " must be in [20, 100000]");
  if (settings.kid_subsets < 1 || settings.kid_subsets > 10000)
    problems.push_back("kid-subsets = " + std::to_string(settings.kid_subsets) + " must be in [1, 10000]");
  if (settings.kid_subset_size < 2 || settings.kid_subset_size > 10000)
    problems.push_back("kid-subset-size = " + std::to_string(settings.kid_subset_size) + " must be in [2, 10000]");
  if (o.classifier_epochs < 1 || o.classifier_epochs > 1000)
    problems.push_back("classifier-epochs = " + std::to_string(o.classifier_epochs) + " must be in [1, 1000]");
  if (o.tstr && o.checkpoint.empty() && o.run.empty()) problems.push_back("--tstr needs a conditional generator: give --checkpoint or --run");
  if (o.threads < 0) problems.push_back("threads = " + std::to_string(o.threads) + " must be at least 0");
  throw_if_problems(problems, "invalid eval options");
  std::error_code ec;
  if (!o.json.empty()) {
    const auto parent = std::filesystem::path(o.json).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
      throw file_error(o.json, "its directory does not exist; create it or choose another --json");
  }
  if (!o.classifier.empty() && !std::filesystem::is_regular_file(o.classifier, ec))
    throw file_error(o.classifier, "no such classifier file; drop --classifier to use (or train) the cached one");

  auto log = make_logger(o.verbosity);
  const torch::Device device = util::resolve_device(o.device);
  util::configure_cpu(util::plan_threads(o.threads, util::CoreSplit::kLibTorch));  // the classifier's convolutions dominate

  // The generator, and the data it was trained on (unless --data says otherwise).
  std::optional<Checkpoint> checkpoint;
  std::string data = o.data, data_root = o.data_root;
  if (!o.checkpoint.empty() || !o.run.empty()) {
    checkpoint = open_checkpoint_source(o.checkpoint, o.run, device, *log);
    if (o.tstr && !models::is_conditional(checkpoint->meta().model.kind))
      throw UsageError("--tstr needs a conditional model (cmlp or cdcgan); " + checkpoint->path() + " holds an unconditional " +
                       checkpoint->meta().model.kind + " generator");
    const TrainConfig trained = parse_train_config(checkpoint->meta().config_toml);
    if (data.empty()) data = trained.data;
    if (data_root.empty()) data_root = trained.data_root;
  }
  if (data_root.empty()) data_root = "data";
  const auto files = data::locate_dataset(data, data_root, /*need_test_split=*/true);
  const auto train = data::to_dataset(data::read_labeled_images(files.train_images, files.train_labels), files.train_images, device);
  const auto test = data::to_dataset(data::read_labeled_images(files.test_images, files.test_labels), files.test_images, device);

  auto progress = [&](const std::string& line) { log->info(line); };
  eval::ClassifierSource source;
  source.file = o.classifier;
  source.retrain = o.retrain_classifier;
  source.recipe.epochs = o.classifier_epochs;
  const auto classifier = eval::obtain_classifier(source, files, train, test, device, progress);
  if (classifier.train_seconds > 0)
    log->info("eval classifier trained in {:.1f} s: test accuracy {:.2f} %", classifier.train_seconds, 100 * classifier.test_accuracy);
  const auto eval_start = std::chrono::steady_clock::now();

  eval::EvalReference reference(classifier, train, test, settings, device, progress);
  eval::Scorecard card;
  card.data = data;
  card.settings = settings;
  card.test_count = reference.test_count();
  card.baseline_count = reference.baseline_count();
  card.validation_count = reference.validation_count();
  card.classifier_path = classifier.path;
  card.classifier_key = classifier.data_key;
  card.classifier_accuracy = classifier.test_accuracy;
  card.classifier_seconds = classifier.train_seconds;
  if (checkpoint) {
    card.checkpoint = checkpoint->path();
    card.model_kind = checkpoint->meta().model.kind;
    card.step = checkpoint->meta().step;
    const auto& model = checkpoint->meta().model;
    auto generator = checkpoint->load_generator(!o.no_ema);
    card.ema = !o.no_ema && checkpoint->has_ema();
    card.class_names = model.class_names;
    const bool conditional = models::is_conditional(model.kind);
    if (conditional && model.classes != classifier.classes)
      throw RuntimeError(checkpoint->path() + ": the model has " + std::to_string(model.classes) + " classes but the eval data has " +
                         std::to_string(classifier.classes) + "; evaluate against the data it was trained on");
    // Conditional models draw every class equally often (the test sets are balanced to within a few %).
    const auto labels = conditional ? models::balanced_labels(settings.samples, model.classes) : torch::Tensor();
    log->info("generating {} images from {} (step {}{})", settings.samples, checkpoint->path(), card.step, card.ema ? ", EMA weights" : "");
    const auto images = models::generate_images(*generator, model.z_dim, settings.samples, settings.seed, device, labels);
    card.model = reference.score(images);
    if (conditional) card.conditional = reference.conditional_score(images, labels);
    if (o.tstr) {
      const int64_t n = train.size();
      log->info("train on synthetic, test on real: generating {} labelled images", n);
      const auto tstr_labels = models::balanced_labels(n, model.classes);
      // Through bytes, as an exported IDX data set would be.
      const auto bytes = exporting::to_bytes(models::generate_images(*generator, model.z_dim, n, settings.seed + 1, device, tstr_labels));
      data::ImageDataset synthetic{bytes.to(device).to(torch::kFloat32).div_(127.5).sub_(1.0), tstr_labels.to(device)};
      eval::ClassifierRecipe recipe = source.recipe;
      const auto trained = eval::train_classifier(synthetic, test, recipe, device, progress);
      card.tstr_accuracy = trained.test_accuracy;
      card.tstr_images = n;
    }
  }
  card.real = reference.real_baseline();
  card.eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - eval_start).count();
  if (!o.json.empty()) util::write_file_atomically(o.json, eval::scorecard_json(card) + "\n");
  std::fputs(eval::format_scorecard(card).c_str(), stdout);
  log->debug("eval command took {:.1f} s in all", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

}  // namespace genai::cli
