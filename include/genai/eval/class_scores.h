#pragma once
// Figures computed from the classifier's predictions on generated images: the classifier score (the
// Inception Score formula, Salimans et al. 2016, with genai's classifier) and mode coverage.
#include <torch/torch.h>

#include <vector>

#include "genai/eval/statistics.h"

namespace genai::eval {

// exp(E_x KL(p(y|x) || p(y))) for each of `splits` consecutive equal parts of `probabilities` [N, C]
// (rows sum to 1; the last N mod splits rows are left out), as mean and population std over the parts.
// Uniform one-hot predictions over C classes give C; one constant prediction gives 1.
MeanStd classifier_score(const torch::Tensor& probabilities, int64_t splits);

struct ModeCoverage {
  std::vector<int64_t> histogram;  // images predicted as each class
  int64_t covered = 0;             // classes with at least half their expected share (N / C / 2)
  double kl_to_uniform = 0;        // KL(histogram / N || uniform), nats; 0 for a perfectly even spread
};

// `predicted` holds class indices [N] in [0, classes).
ModeCoverage mode_coverage(const torch::Tensor& predicted, int64_t classes);

}  // namespace genai::eval
