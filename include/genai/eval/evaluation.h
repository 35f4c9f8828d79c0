#pragma once
// `genai eval` as a library entry point: reads the data, obtains the classifier, prepares the real-data
// reference, scores the generator (when there is one) next to real training images, and for conditional
// generators adds the per-class scores and, on request, train-on-synthetic-test-on-real (TSTR).
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "genai/config.h"
#include "genai/data/locate.h"
#include "genai/eval/classifier.h"
#include "genai/eval/report.h"
#include "genai/models/gan.h"

namespace genai::eval {

struct GeneratorToScore {
  std::shared_ptr<models::Generator> generator;
  ModelConfig model;
  std::string checkpoint;  // for the scorecard
  int64_t step = 0;
  bool ema = false;  // the weights are the EMA generator's
};

struct EvaluationRequest {
  std::string data;      // the data's name for the scorecard (mnist, fashion-mnist or a directory)
  data::IdxFiles files;  // its four IDX files (training and test split)
  EvalSettings settings;
  ClassifierSource classifier;
  std::optional<GeneratorToScore> generator;  // none: score only the real data
  bool tstr = false;                          // conditional generators only
  torch::Device device = torch::kCPU;
};

// The scorecard. `progress` gets one line per long phase. Throws UsageError for TSTR without a conditional
// generator, RuntimeError when the generator's classes do not match the data's.
Scorecard evaluate(const EvaluationRequest& request, const std::function<void(const std::string&)>& progress);

}  // namespace genai::eval
