#include "eval_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "checkpoint_source.h"
#include "genai/config/schema.h"
#include "genai/data/locate.h"
#include "genai/error.h"
#include "genai/eval/evaluation.h"
#include "genai/util/atomic_file.h"
#include "genai/util/device.h"

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
  eval::EvaluationRequest request;
  request.device = util::resolve_device(o.device);
  util::configure_cpu(util::plan_threads(o.threads, util::CoreSplit::kLibTorch));  // the classifier's convolutions dominate
  request.settings = settings;
  request.tstr = o.tstr;
  request.classifier.file = o.classifier;
  request.classifier.retrain = o.retrain_classifier;
  request.classifier.recipe.epochs = o.classifier_epochs;

  // The generator, and the data it was trained on (unless --data says otherwise).
  request.data = o.data;
  std::string data_root = o.data_root;
  if (!o.checkpoint.empty() || !o.run.empty()) {
    const auto checkpoint = open_checkpoint_source(o.checkpoint, o.run, request.device, *log);
    const TrainConfig trained = parse_train_config(checkpoint.meta().config_toml);
    if (request.data.empty()) request.data = trained.data;
    if (data_root.empty()) data_root = trained.data_root;
    request.generator = eval::GeneratorToScore{checkpoint.load_generator(!o.no_ema), checkpoint.meta().model, checkpoint.path(),
                                               checkpoint.meta().step, !o.no_ema && checkpoint.has_ema()};
  }
  request.files = data::locate_dataset(request.data, data_root.empty() ? "data" : data_root, /*need_test_split=*/true);

  const auto card = eval::evaluate(request, [&](const std::string& line) { log->info(line); });
  if (!o.json.empty()) util::write_file_atomically(o.json, eval::scorecard_json(card) + "\n");
  std::fputs(eval::format_scorecard(card).c_str(), stdout);
  log->debug("eval command took {:.1f} s in all", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

}  // namespace genai::cli
