#include "genai/eval/evaluation.h"

#include <chrono>

#include "genai/data/dataset.h"
#include "genai/error.h"
#include "genai/image/png.h"
#include "genai/models/sampling.h"
#include "genai/util/format.h"

namespace genai::eval {
namespace {

// Train on synthetic, test on real: the classifier's recipe trained on as many labelled generated images as the
// training split has, tested on the real test set.
double tstr_accuracy(const GeneratorToScore& g, int64_t count, const data::ImageDataset& test, const EvaluationRequest& request,
                     const std::function<void(const std::string&)>& progress) {
  progress(util::format("train on synthetic, test on real: generating {} labelled images", count));
  const auto labels = models::balanced_labels(count, g.model.classes);
  // Through bytes, as an exported IDX data set would be.
  const auto images = models::generate_images(*g.generator, g.model.z_dim, count, request.settings.seed + 1, request.device, labels);
  const auto bytes = image::to_bytes(images);
  data::ImageDataset synthetic{bytes.to(request.device).to(torch::kFloat32).div_(127.5).sub_(1.0), labels.to(request.device)};
  return train_classifier(synthetic, test, request.classifier.recipe, request.device, progress).test_accuracy;
}

}  // namespace

Scorecard evaluate(const EvaluationRequest& request, const std::function<void(const std::string&)>& progress) {
  const auto& g = request.generator;
  if (request.tstr && !(g && is_conditional(g->model.kind)))
    throw UsageError(g ? "--tstr needs a conditional model (cmlp or cdcgan); " + g->checkpoint + " holds an unconditional " + name(g->model.kind) +
                             " generator"
                       : "--tstr needs a conditional generator: give --checkpoint or --run");
  if (g && image_shape(g->model) != kMnistShape)
    throw UsageError(g->checkpoint + " makes " + image_shape(g->model).describe() +
                     " images; genai eval scores 1x28x28 generators for now (its classifier is an MNIST LeNet)");
  const auto& files = request.files;
  const auto train = data::to_dataset(data::read_labeled_images(files.train_images, files.train_labels), files.train_images, request.device);
  const auto test = data::to_dataset(data::read_labeled_images(files.test_images, files.test_labels), files.test_images, request.device);

  const auto classifier = obtain_classifier(request.classifier, files, train, test, request.device, progress);
  if (classifier.train_seconds > 0)
    progress(util::format("eval classifier trained in {:.1f} s: test accuracy {:.2f} %", classifier.train_seconds, 100 * classifier.test_accuracy));
  if (g && is_conditional(g->model.kind) && g->model.classes != classifier.classes)
    throw RuntimeError(g->checkpoint + ": the model has " + std::to_string(g->model.classes) + " classes but the eval data has " +
                       std::to_string(classifier.classes) + "; evaluate against the data it was trained on");
  const auto start = std::chrono::steady_clock::now();

  const EvalSettings& settings = request.settings;
  EvalReference reference(classifier, train, test, settings, request.device, progress);
  Scorecard card;
  card.data = request.data;
  card.settings = settings;
  card.test_count = reference.test_count();
  card.baseline_count = reference.baseline_count();
  card.validation_count = reference.validation_count();
  card.classifier_path = classifier.path;
  card.classifier_key = classifier.data_key;
  card.classifier_accuracy = classifier.test_accuracy;
  card.classifier_seconds = classifier.train_seconds;
  if (g) {
    card.checkpoint = g->checkpoint;
    card.model_kind = name(g->model.kind);
    card.step = g->step;
    card.ema = g->ema;
    card.class_names = g->model.class_names;
    const bool conditional = is_conditional(g->model.kind);
    // Conditional models draw every class equally often (the test sets are balanced to within a few %).
    const auto labels = conditional ? models::balanced_labels(settings.samples, g->model.classes) : torch::Tensor();
    progress(util::format("generating {} images from {} (step {}{})", settings.samples, g->checkpoint, g->step, g->ema ? ", EMA weights" : ""));
    const auto images = models::generate_images(*g->generator, g->model.z_dim, settings.samples, settings.seed, request.device, labels);
    card.model = reference.score(images);
    if (conditional) card.conditional = reference.conditional_score(images, labels);
    if (request.tstr) {
      card.tstr_images = train.size();
      card.tstr_accuracy = tstr_accuracy(*g, card.tstr_images, test, request, progress);
    }
  }
  card.real = reference.real_baseline();
  card.eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return card;
}

}  // namespace genai::eval
