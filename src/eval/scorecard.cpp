#include "genai/eval/scorecard.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "genai/data/dataset.h"
#include "genai/error.h"
#include "genai/eval/kid.h"

namespace genai::eval {
namespace {

// Pixels in [0, 1], one row per image: Goodfellow et al.'s Parzen protocol works on this scale.
torch::Tensor unit_pixels(const torch::Tensor& images) { return images.to(torch::kCPU, torch::kFloat32).flatten(1).add(1.0).mul_(0.5); }

}  // namespace

EvalReference::EvalReference(const Classifier& classifier, const data::ImageDataset& train, const data::ImageDataset& test,
                             const EvalSettings& settings, torch::Device device, std::function<void(const std::string&)> progress)
    : classifier_(classifier), settings_(settings), device_(device), progress_(std::move(progress)) {
  const int64_t largest_k = std::max(settings.precision_recall_k, settings.density_coverage_k);
  std::vector<std::string> problems;
  if (settings.samples <= largest_k)
    problems.push_back("samples = " + std::to_string(settings.samples) + " must exceed k = " + std::to_string(largest_k));
  if (settings.samples < settings.score_splits)
    problems.push_back("samples = " + std::to_string(settings.samples) + " is fewer than the " + std::to_string(settings.score_splits) +
                       " classifier-score splits");
  if (test.size() <= largest_k) problems.push_back("the test split has only " + std::to_string(test.size()) + " images");
  // The Parzen validation images are the last ones of the training split (Goodfellow et al. used
  // train[50000:60000]); the baseline subset is drawn from the rest, so the two never overlap. The split
  // does not depend on whether Parzen is computed, so --no-parzen leaves the other real-data figures alone.
  const int64_t validation = std::min(settings.parzen_validation, train.size() / 6);
  const int64_t pool = train.size() - validation;
  const int64_t smallest_pool = std::max(settings.score_splits, largest_k + 1);
  if (pool < smallest_pool)
    problems.push_back("the training split has only " + std::to_string(train.size()) + " images; the real-data baseline needs at least " +
                       std::to_string(smallest_pool + validation));
  if (!problems.empty()) throw UsageError("cannot evaluate: " + problems.front());

  test_images_ = test.float_images().to(torch::kCPU);
  const auto train_images = train.float_images().to(torch::kCPU);
  if (settings.parzen && validation > 0) validation_pixels_ = unit_pixels(train_images.narrow(0, pool, validation));
  const auto order = data::ShuffledBatcher::permutation(pool, settings.seed, 0);
  baseline_images_ = train_images.index_select(0, order.narrow(0, 0, std::min(settings.samples, pool)));

  say("extracting features of " + std::to_string(test_images_.size(0)) + " test images");
  const auto test_outputs = classify(*classifier_.net, test_images_, device_);
  test_features_ = test_outputs.features;
  test_labels_ = test.labels.to(torch::kCPU);
  test_statistics_ = gaussian_statistics(test_features_);
  if (settings.parzen) test_pixels_ = unit_pixels(test_images_);
}

void EvalReference::say(const std::string& line) const {
  if (progress_) progress_(line);
}

MetricSet EvalReference::score(const torch::Tensor& images) const { return score(images, true); }
MetricSet EvalReference::quick_score(const torch::Tensor& images) const { return score(images, false); }

const MetricSet& EvalReference::real_baseline() const {
  if (!baseline_) {
    say("real-data baseline: " + std::to_string(baseline_images_.size(0)) + " training images against the test set");
    baseline_ = score(baseline_images_, true);
  }
  return *baseline_;
}

MetricSet EvalReference::score(const torch::Tensor& images, bool full) const {
  const auto& s = settings_;
  MetricSet m;
  m.count = images.size(0);
  const auto outputs = classify(*classifier_.net, images, device_);
  m.frechet_distance = frechet_distance(gaussian_statistics(outputs.features), test_statistics_);
  m.classifier_score = classifier_score(outputs.probabilities, s.score_splits);
  m.modes = mode_coverage(outputs.predicted, classifier_.classes);
  if (!full) return m;
  say("KID over " + std::to_string(s.kid_subsets) + " subsets");
  m.kid = kernel_inception_distance(outputs.features, test_features_, s.kid_subsets, s.kid_subset_size, s.seed);
  say("precision/recall (k = " + std::to_string(s.precision_recall_k) + "), density/coverage (k = " + std::to_string(s.density_coverage_k) + ")");
  // The real set is the test set, the same reference as the FD and KID.
  m.precision_recall = precision_recall(test_features_, outputs.features, s.precision_recall_k);
  m.density_coverage = density_coverage(test_features_, outputs.features, s.density_coverage_k);
  if (validation_pixels_.defined() && validation_pixels_.size(0) > 0) {
    say("Parzen window over " + std::to_string(m.count) + " centres and " + std::to_string(test_pixels_.size(0)) + " test images");
    m.parzen = parzen_window_estimate(unit_pixels(images), validation_pixels_, test_pixels_, parzen_sigma_grid());
  }
  return m;
}

ConditionalScores EvalReference::conditional_score(const torch::Tensor& images, const torch::Tensor& labels_in) const {
  const auto outputs = classify(*classifier_.net, images, device_);
  const auto labels = labels_in.to(torch::kCPU, torch::kInt64);
  ConditionalScores s;
  s.accuracy = outputs.predicted.eq(labels).to(torch::kFloat64).mean().item<double>();
  for (int64_t c = 0; c < classifier_.classes; ++c) {
    const auto mine = labels.eq(c).nonzero().flatten();
    const auto theirs = test_labels_.eq(c).nonzero().flatten();
    s.class_counts.push_back(mine.numel());
    s.class_accuracy.push_back(mine.numel() ? outputs.predicted.index_select(0, mine).eq(c).to(torch::kFloat64).mean().item<double>() : std::nan(""));
    s.class_frechet_distance.push_back(mine.numel() >= 2 && theirs.numel() >= 2
                                           ? frechet_distance(gaussian_statistics(outputs.features.index_select(0, mine)),
                                                              gaussian_statistics(test_features_.index_select(0, theirs)))
                                           : std::nan(""));
  }
  return s;
}

}  // namespace genai::eval
