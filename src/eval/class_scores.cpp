#include "genai/eval/class_scores.h"

#include <cmath>

#include "genai/error.h"

namespace genai::eval {

MeanStd classifier_score(const torch::Tensor& probabilities, int64_t splits) {
  const auto p = probabilities.to(torch::kCPU, torch::kFloat64);
  if (p.dim() != 2 || splits < 1 || p.size(0) < splits)
    throw RuntimeError("classifier score needs [N, C] probabilities with at least one row per split");
  const int64_t part = p.size(0) / splits;
  std::vector<double> scores;
  for (int64_t s = 0; s < splits; ++s) {
    const auto rows = p.narrow(0, s * part, part);
    const auto marginal = rows.mean(0, /*keepdim=*/true);
    // KL(p(y|x) || p(y)) per row, with 0 log 0 = 0.
    const auto terms = torch::where(rows > 0, rows * (rows.log() - marginal.log()), torch::zeros_like(rows));
    scores.push_back(std::exp(terms.sum(1).mean().item<double>()));
  }
  MeanStd result;
  for (double v : scores) result.mean += v / scores.size();
  for (double v : scores) result.std += (v - result.mean) * (v - result.mean) / scores.size();
  result.std = std::sqrt(result.std);
  return result;
}

ModeCoverage mode_coverage(const torch::Tensor& predicted, int64_t classes) {
  const auto labels = predicted.to(torch::kCPU, torch::kInt64).flatten();
  const int64_t n = labels.numel();
  if (n == 0 || classes < 1) throw RuntimeError("mode coverage needs at least one prediction and one class");
  if (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= classes)
    throw RuntimeError("mode coverage: a predicted class is outside [0, " + std::to_string(classes) + ")");
  const auto counts = torch::bincount(labels, {}, classes);
  ModeCoverage result;
  for (int64_t c = 0; c < classes; ++c) {
    const int64_t count = counts[c].item<int64_t>();
    result.histogram.push_back(count);
    if (2 * count * classes >= n) ++result.covered;  // count >= (n / classes) / 2, in integers
    if (count > 0) {
      const double q = static_cast<double>(count) / n;
      result.kl_to_uniform += q * std::log(q * classes);
    }
  }
  return result;
}

}  // namespace genai::eval
