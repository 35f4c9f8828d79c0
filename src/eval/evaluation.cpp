#include "genai/eval/evaluation.h"

#include <chrono>
#include <filesystem>

#include "genai/data/dataset.h"
#include "genai/data/image_folder.h"
#include "genai/data/locate.h"
#include "genai/error.h"
#include "genai/image/png.h"
#include "genai/models/sampling.h"
#include "genai/util/format.h"
#include "genai/util/safetensors.h"

namespace genai::eval {
namespace {

using Progress = std::function<void(const std::string&)>;

// Train on synthetic, test on real: the classifier's recipe trained on as many labelled generated images as the
// training split has, tested on the real test set.
double tstr_accuracy(const GeneratorToScore& g, int64_t count, const data::ImageDataset& test, const EvaluationRequest& request,
                     const Progress& progress) {
  progress(util::format("train on synthetic, test on real: generating {} labelled images", count));
  const auto labels = models::balanced_labels(count, g.model.classes);
  // Through bytes, as an exported IDX data set would be.
  const auto images = models::generate_images(*g.generator, g.model.z_dim, count, request.settings.seed + 1, request.device, labels);
  const auto bytes = image::to_bytes(images);
  data::ImageDataset synthetic{bytes.to(request.device), labels.to(request.device)};  // held as bytes, like every data set
  return train_classifier(synthetic, test, request.classifier.recipe, request.device, progress).test_accuracy;
}

// What is scored: a generator's samples (with the classes they were drawn for) or a folder's images.
struct Scored {
  torch::Tensor images;  // float [N, C, S, S] in [-1, 1], on the device
  torch::Tensor bytes;   // uint8, CPU: what the pretrained networks see (the PNG bytes genai sample would write)
  torch::Tensor labels;  // conditional generators only
};

// The real data as --data gives it, read once for every figure: the training images and the held-out ones (IDX's
// t10k files, CIFAR's test batch; none for a folder).
struct RealData {
  data::SourceKind source = data::SourceKind::kIdx;
  data::ImageSet train;
  std::optional<data::ImageSet> test;
};

// The labelled sets genai's classifier is trained and tested on, and where it is cached. A folder has no split: a
// fixed fifth of it (a seed-0 permutation, whatever --seed says, so the cached classifier stays valid) is held out.
struct ClassifierData {
  data::ImageDataset train, test;
  ClassifierCache cache;
};

ClassifierData classifier_data(const EvaluationRequest& request, const RealData& real) {
  ClassifierData out;
  data::ImageSet train = real.train, test;
  if (real.test) {
    test = *real.test;
  } else {
    const int64_t n = train.size(), held_out = n / 5;
    const auto order = data::ShuffledBatcher::permutation(n, 0, 0);
    test = train;
    test.images = train.images.index_select(0, order.narrow(0, n - held_out, held_out));
    test.labels = train.labels.index_select(0, order.narrow(0, n - held_out, held_out));
    train.images = train.images.index_select(0, order.narrow(0, 0, n - held_out));
    train.labels = train.labels.index_select(0, order.narrow(0, 0, n - held_out));
  }
  namespace fs = std::filesystem;
  if (real.source == data::SourceKind::kIdx && train.shape() == kMnistShape) {
    // IDX digits at their own shape: keyed by the files, beside them, as genai's classifier has always been cached.
    out.cache = classifier_cache(data::locate_dataset(request.data, request.data_root, /*need_test_split=*/true));
  } else {
    std::string directory = request.data;
    if (real.source == data::SourceKind::kIdx)
      directory = fs::path(data::locate_dataset(request.data, request.data_root, false).train_images).parent_path().string();
    else if (real.source == data::SourceKind::kFolder)
      directory = request.load.cache_dir.empty() ? (fs::path(request.data) / data::kCacheFolderName).string() : request.load.cache_dir;
    out.cache = classifier_cache(train, test, directory);
  }
  out.train = data::to_dataset(train, request.device);
  out.test = data::to_dataset(test, request.device);
  return out;
}

// FD, KID, classifier score, mode coverage, precision/recall, density/coverage and Parzen in genai's own
// classifier (LeNet on 1x28x28 digits, a ConvNet on other labelled images), next to the real training images,
// against the test split.
void score_with_classifier(const EvaluationRequest& request, const ClassifierData& data, const std::optional<Scored>& scored, Scorecard& card,
                           const Progress& progress) {
  const auto& g = request.generator;
  const auto& train = data.train;
  const auto& test = data.test;
  const auto classifier = obtain_classifier(request.classifier, data.cache, train, test, request.device, progress);
  if (classifier.train_seconds > 0)
    progress(util::format("eval classifier trained in {:.1f} s: test accuracy {:.2f} %", classifier.train_seconds, 100 * classifier.test_accuracy));
  if (g && is_conditional(g->model.kind) && g->model.classes != classifier.classes)
    throw RuntimeError(g->checkpoint + ": the model has " + std::to_string(g->model.classes) + " classes but the eval data has " +
                       std::to_string(classifier.classes) + "; evaluate against the data it was trained on");

  const EvalSettings& settings = request.settings;
  EvalReference reference(classifier, train, test, settings, request.device, progress);
  card.test_count = reference.test_count();
  card.baseline_count = reference.baseline_count();
  card.validation_count = reference.validation_count();
  card.classifier_network = classifier.net->network_name();
  card.classifier_path = classifier.path;
  card.classifier_key = classifier.data_key;
  card.classifier_accuracy = classifier.test_accuracy;
  card.classifier_seconds = classifier.train_seconds;
  if (scored) {
    card.model = reference.score(scored->images);
    if (scored->labels.defined()) card.conditional = reference.conditional_score(scored->images, scored->labels);
    if (request.tstr) {
      card.tstr_images = train.size();
      card.tstr_accuracy = tstr_accuracy(*g, card.tstr_images, test, request, progress);
    }
  }
  card.real = reference.real_baseline();
}

// The real images each pretrained network measures against (the reference) and the real images it scores like a
// generator's (the floor): a data set's test split and a subset of its training images, or for a folder, which has
// no split, the whole folder and, for the floor, one half of it against the other.
struct RealSets {
  torch::Tensor reference;  // uint8
  torch::Tensor floor;      // uint8; undefined for a folder (halves of the reference instead)
  std::string reference_text, floor_text;
};

RealSets real_sets(const EvaluationRequest& request, const RealData& data) {
  RealSets sets;
  const auto& test = data.test;
  const auto& train = data.train;
  if (test) {
    sets.reference = test->images;
    const int64_t n = std::min(request.settings.samples, train.size());
    const auto order = data::ShuffledBatcher::permutation(train.size(), request.settings.seed, 0);
    sets.floor = train.images.index_select(0, order.narrow(0, 0, n));
    sets.reference_text = std::to_string(test->size()) + " test images";
    sets.floor_text = std::to_string(n) + " training images (subset seed " + std::to_string(request.settings.seed) + ")";
  } else {
    sets.reference = train.images;
    sets.reference_text = "all " + std::to_string(train.size()) + " images of " + request.data;
    sets.floor_text = "one half of " + request.data + " against the other (" + std::to_string(train.size() / 2) + " and " +
                      std::to_string(train.size() - train.size() / 2) + " images)";
  }
  return sets;
}

NetworkOutputs rows(const NetworkOutputs& all, const torch::Tensor& index) {
  NetworkOutputs out;
  out.features = all.features.index_select(0, index);
  if (all.probabilities.defined()) out.probabilities = all.probabilities.index_select(0, index);
  return out;
}

void score_with_pretrained(const EvaluationRequest& request, const RealSets& real, const std::optional<Scored>& scored, Scorecard& card,
                           const Progress& progress) {
  util::NamedTensors saved;
  for (const auto& wanted : request.networks) {
    const auto network = load_pretrained_network(wanted.network, wanted.weights, request.device);
    const int64_t batch = request.feature_batch > 0 ? request.feature_batch : default_batch_size(wanted.network, request.device);
    const bool probabilities = wanted.network == PretrainedNetwork::kInception;
    NetworkCard block;
    block.network = wanted.network;
    block.weights = wanted.weights;
    block.dims = network.network->feature_dim();
    block.reference = real.reference_text;
    block.floor = real.floor_text;
    block.reference_count = real.reference.size(0);
    int64_t images = 0;
    double seconds = 0;
    auto pass = [&](const torch::Tensor& bytes, const char* what) {
      progress(util::format("{}: features of {} {}", name(wanted.network), bytes.size(0), what));
      auto out = network_outputs(network, bytes, request.device, batch, probabilities);
      images += bytes.size(0);
      seconds += out.seconds;
      return out;
    };
    const auto reference = pass(real.reference, "reference images");
    const std::string key = name(wanted.network);
    saved.emplace_back(key + ".reference", reference.features);
    if (real.floor.defined()) {
      const auto floor = pass(real.floor, "real baseline images");
      block.real = score_features(floor, reference.features, request.settings);
      saved.emplace_back(key + ".real", floor.features);
    } else {
      const int64_t m = reference.features.size(0);
      const auto order = data::ShuffledBatcher::permutation(m, request.settings.seed, 0);
      block.real =
          score_features(rows(reference, order.narrow(0, 0, m / 2)), rows(reference, order.narrow(0, m / 2, m - m / 2)).features, request.settings);
    }
    if (scored) {
      const auto out = pass(scored->bytes, request.images ? "images to score" : "generated images");
      block.scored = score_features(out, reference.features, request.settings);
      saved.emplace_back(key + ".scored", out.features);
    }
    block.seconds_per_1000 = images ? 1000 * seconds / static_cast<double>(images) : 0;
    progress(util::format("{}: {:.1f} s per 1,000 images", name(wanted.network), block.seconds_per_1000));
    card.networks.push_back(std::move(block));
  }
  if (!request.save_features.empty()) util::write_safetensors(request.save_features, saved, {{"data", request.data}});
}

}  // namespace

Scorecard evaluate(const EvaluationRequest& request, const Progress& progress) {
  const auto& g = request.generator;
  if (g && request.images) throw UsageError("score either a generator (--checkpoint/--run) or a folder (--images), not both");
  if (request.tstr && !(g && is_conditional(g->model.kind)))
    throw UsageError(g ? "--tstr needs a conditional model (cmlp or cdcgan); " + g->checkpoint + " holds an unconditional " + name(g->model.kind) +
                             " generator"
                       : "--tstr needs a conditional generator: give --checkpoint or --run");
  if (request.classifier_figures == ClassifierFigures::kNo && request.networks.empty())
    throw UsageError("no feature network to score with; give --networks");
  const auto start = std::chrono::steady_clock::now();
  // The real data first: a missing file stops the command before any image is generated.
  RealData real;
  real.source = data::detect_source(request.data, request.data_root);
  const std::string unlabelled = "--data " + request.data +
                                 " is an unlabelled image folder; the classifier figures need classes (one subfolder per class): use --networks "
                                 "efficientnet-lite0";
  // Before anything is decoded: a listing says whether a folder has classes.
  if (request.classifier_figures == ClassifierFigures::kYes && real.source == data::SourceKind::kFolder &&
      !data::list_image_folder(request.data).labelled)
    throw UsageError(unlabelled);
  {
    data::LoadOptions options = request.load;
    options.progress = progress;
    real.test = data::load_test_images(request.data, request.data_root, options);
    real.train = data::load_training_images(request.data, request.data_root, options);
  }
  const std::optional<ImageShape> scored_shape =
      g                ? std::optional<ImageShape>(image_shape(g->model))
      : request.images ? std::optional<ImageShape>(ImageShape{request.images->images.size(1), request.images->images.size(2)})
                       : std::nullopt;
  bool classifier_figures = request.classifier_figures == ClassifierFigures::kYes;
  if (request.classifier_figures == ClassifierFigures::kIfLabelled) {
    classifier_figures = real.train.labelled && (!scored_shape || *scored_shape == real.train.shape());
    if (real.train.labelled && !classifier_figures)
      progress("no classifier figures: the scored images are " + scored_shape->describe() + ", --data is read as " + real.train.shape().describe());
  }
  if (classifier_figures) {
    if (!real.train.labelled) throw UsageError(unlabelled);
    if (scored_shape && *scored_shape != real.train.shape()) {
      const std::string what = g ? g->checkpoint + " makes " + scored_shape->describe() + " images"
                                 : request.images->path + " holds " + scored_shape->describe() + " images";
      throw UsageError(what + " but --data " + request.data + " is read as " + real.train.shape().describe() +
                       "; give --image-size (and --channels) so that both are read at one shape");
    }
  }
  const auto reals = request.networks.empty() ? RealSets{} : real_sets(request, real);
  const EvalSettings& settings = request.settings;
  Scorecard card;
  card.data = request.data;
  card.settings = settings;
  card.lenet = classifier_figures;

  std::optional<Scored> scored;
  if (g) {
    card.checkpoint = g->checkpoint;
    card.model_kind = name(g->model.kind);
    card.step = g->step;
    card.ema = g->ema;
    card.class_names = g->model.class_names;
    Scored s;
    // Conditional models draw every class equally often (the test sets are balanced to within a few %).
    if (is_conditional(g->model.kind)) s.labels = models::balanced_labels(settings.samples, g->model.classes);
    progress(util::format("generating {} images from {} (step {}{})", settings.samples, g->checkpoint, g->step, g->ema ? ", EMA weights" : ""));
    s.images = models::generate_images(*g->generator, g->model.z_dim, settings.samples, settings.seed, request.device, s.labels);
    if (!request.networks.empty()) s.bytes = image::to_bytes(s.images);
    scored = std::move(s);
  } else if (request.images) {
    card.images = request.images->path;
    Scored s;
    s.bytes = request.images->images;
    if (classifier_figures) s.images = data::to_unit_range(s.bytes.to(request.device));
    scored = std::move(s);
  }
  card.scored_count = scored ? (g ? settings.samples : request.images->images.size(0)) : 0;
  if (classifier_figures) score_with_classifier(request, classifier_data(request, real), scored, card, progress);
  if (!request.networks.empty()) score_with_pretrained(request, reals, scored, card, progress);
  card.eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return card;
}

}  // namespace genai::eval
