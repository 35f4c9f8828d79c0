#pragma once
// A generator's scorecard: every metric of genai eval computed for generated images AND for real
// training images, both against the same real test set, so each figure stands next to what a perfect
// generator would reach (without it precision/recall mislead: identical distributions give only ~0.6
// at k = 3 in 64 dimensions, and two samples of one distribution are at an FD of ~d(d+1)/2n, not 0).
#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>

#include "genai/data/dataset.h"
#include "genai/eval/class_scores.h"
#include "genai/eval/classifier.h"
#include "genai/eval/frechet.h"
#include "genai/eval/nearest_neighbors.h"
#include "genai/eval/parzen.h"
#include "genai/eval/statistics.h"

namespace genai::eval {

struct EvalSettings {
  int64_t samples = 10000;  // generated images, and the size of the real-data baseline subset
  uint64_t seed = 0;        // the noise, the baseline subset and the KID subsets
  int64_t kid_subsets = 100;
  int64_t kid_subset_size = 1000;
  int64_t score_splits = 10;
  int64_t precision_recall_k = 3;
  int64_t density_coverage_k = 5;
  bool parzen = true;
  int64_t parzen_validation = 1000;  // held-out training images that choose sigma
};

struct MetricSet {
  int64_t count = 0;  // images scored
  double frechet_distance = 0;
  MeanStd classifier_score;
  ModeCoverage modes;
  // The full metrics (absent from a quick eval):
  std::optional<MeanStd> kid;
  std::optional<PrecisionRecall> precision_recall;
  std::optional<DensityCoverage> density_coverage;
  std::optional<ParzenEstimate> parzen;
};

// For conditional generators: how often the classifier agrees with the requested class, and FD-LeNet
// per class (the generated images of class c against the test images of class c).
struct ConditionalScores {
  double accuracy = 0;
  std::vector<double> class_accuracy;
  std::vector<double> class_frechet_distance;  // NaN where a class has fewer than 2 images on either side
  std::vector<int64_t> class_counts;           // generated images per class
};

// The real data every evaluation compares with, prepared once: the test set's features and statistics,
// the Parzen validation images, and the real-data baseline scores.
class EvalReference {
 public:
  // `progress` gets one line per long phase. Throws RuntimeError when the data is too small for the
  // settings' k and subset sizes.
  EvalReference(const Classifier& classifier, const data::ImageDataset& train, const data::ImageDataset& test, const EvalSettings& settings,
                torch::Device device, std::function<void(const std::string&)> progress = {});

  // Every metric for `images` [N, 1, 28, 28] in [-1, 1] (CPU or device).
  MetricSet score(const torch::Tensor& images) const;
  // FD-LeNet, classifier score and mode coverage only (for genai train --eval-every).
  MetricSet quick_score(const torch::Tensor& images) const;
  // `labels` (int64 [N]) are the classes the images were generated for.
  ConditionalScores conditional_score(const torch::Tensor& images, const torch::Tensor& labels) const;

  // Training images (a fixed subset drawn with the settings' seed, disjoint from the Parzen validation
  // images) scored exactly like a generator's images. Computed on first use.
  const MetricSet& real_baseline() const;

  const EvalSettings& settings() const { return settings_; }
  int64_t test_count() const { return test_images_.size(0); }
  int64_t baseline_count() const { return baseline_images_.size(0); }
  int64_t validation_count() const { return validation_pixels_.defined() ? validation_pixels_.size(0) : 0; }
  int64_t classes() const { return classifier_.classes; }

 private:
  MetricSet score(const torch::Tensor& images, bool full) const;
  void say(const std::string& line) const;

  const Classifier& classifier_;
  EvalSettings settings_;
  torch::Device device_;
  std::function<void(const std::string&)> progress_;
  torch::Tensor test_images_;    // [N, 1, 28, 28] CPU
  torch::Tensor test_features_;  // [N, 64]
  torch::Tensor test_labels_;    // [N] int64
  torch::Tensor test_pixels_;    // [N, 784] in [0, 1], for Parzen
  GaussianStatistics test_statistics_;
  torch::Tensor validation_pixels_;  // [V, 784] in [0, 1]
  torch::Tensor baseline_images_;    // [n, 1, 28, 28] CPU
  mutable std::optional<MetricSet> baseline_;
};

}  // namespace genai::eval
