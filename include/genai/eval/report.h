#pragma once
// The scorecard as a readable table (terminal) and as JSON (--json FILE): every figure, the sample
// counts, k, seeds and the classifier's identity, so numbers from different runs can be compared honestly.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "genai/eval/classifier.h"
#include "genai/eval/feature_scores.h"
#include "genai/eval/scorecard.h"

namespace genai::eval {

struct Scorecard {
  std::string checkpoint;  // empty when only the real data was scored
  std::string images;      // the folder scored instead of a generator (genai eval --images)
  int64_t scored_count = 0;
  std::string model_kind;
  int64_t step = 0;
  std::string data;
  EvalSettings settings;
  int64_t test_count = 0;
  int64_t baseline_count = 0;
  int64_t validation_count = 0;
  std::string classifier_network = "LeNet";  // LeNet (1x28x28) or ConvNet: the figures are FD-<it>, "fd_<it in lower case>"
  std::string classifier_path;
  std::string classifier_key;
  double classifier_accuracy = 0;
  std::optional<MetricSet> model;
  bool ema = false;                              // the generator's EMA weights were scored
  std::vector<std::string> class_names;          // where the dataset has them
  std::optional<ConditionalScores> conditional;  // conditional generators
  std::optional<double> tstr_accuracy;           // classifier trained on synthetic images, tested on real ones
  int64_t tstr_images = 0;
  MetricSet real;
  bool lenet = true;                  // the classifier figures above were computed (labelled data)
  std::vector<NetworkCard> networks;  // one block per pretrained feature network
  double classifier_seconds = 0;      // training it, when it was trained in this command
  double eval_seconds = 0;
};

std::string format_scorecard(const Scorecard& card);
std::string scorecard_json(const Scorecard& card);
// One JSON object (no newline) with the quick-eval figures and the training wall time, for metrics.jsonl.
std::string quick_eval_json(int64_t step, const MetricSet& quick, double wall_seconds);
// The same figures as TensorBoard scalars: "eval/" + each JSON key (eval/fd_lenet, ...).
std::vector<std::pair<std::string, double>> quick_eval_scalars(const MetricSet& quick);

}  // namespace genai::eval
