#include "genai/eval/frechet.h"

#include <cmath>

#include "genai/error.h"

namespace genai::eval {
namespace {

bool all_finite(const torch::Tensor& t) { return torch::isfinite(t).all().item<bool>(); }

// Symmetric square root of a symmetric positive semi-definite matrix, by eigen-decomposition. Eigenvalues
// below zero (round-off on a rank-deficient covariance) are clamped to zero.
torch::Tensor symmetric_sqrt(const torch::Tensor& s) {
  auto [values, vectors] = torch::linalg_eigh(s, "L");
  return vectors.mul(values.clamp_min(0).sqrt().unsqueeze(0)).matmul(vectors.t());
}

}  // namespace

GaussianStatistics gaussian_statistics(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2)
    throw RuntimeError("Gaussian statistics need a [N, D] feature matrix with N >= 2 (got " + std::to_string(features.dim()) + " dimensions)");
  const auto x = features.to(torch::kCPU, torch::kFloat64);
  GaussianStatistics stats;
  stats.count = x.size(0);
  stats.mean = x.mean(0);
  const auto centred = x - stats.mean;
  stats.covariance = centred.t().matmul(centred).div_(static_cast<double>(stats.count - 1));
  return stats;
}

double frechet_distance(const GaussianStatistics& a, const GaussianStatistics& b) {
  const auto dims = a.mean.numel();
  if (a.mean.dim() != 1 || b.mean.sizes() != a.mean.sizes() || a.covariance.sizes() != torch::IntArrayRef({dims, dims}) ||
      b.covariance.sizes() != a.covariance.sizes())
    throw RuntimeError("Fréchet distance: the two feature statistics have different shapes");
  const auto mean_a = a.mean.to(torch::kFloat64), mean_b = b.mean.to(torch::kFloat64);
  const auto cov_a = a.covariance.to(torch::kFloat64), cov_b = b.covariance.to(torch::kFloat64);
  if (!all_finite(mean_a) || !all_finite(mean_b) || !all_finite(cov_a) || !all_finite(cov_b))
    throw RuntimeError("Fréchet distance: NaN or Inf in the feature statistics (the generator or the classifier produced non-finite values)");
  const auto sqrt_a = symmetric_sqrt((cov_a + cov_a.t()) * 0.5);
  auto product = sqrt_a.matmul(cov_b).matmul(sqrt_a);
  product = (product + product.t()) * 0.5;  // symmetric in exact arithmetic; remove the round-off
  const double trace_sqrt = torch::linalg_eigvalsh(product, "L").clamp_min(0).sqrt().sum().item<double>();
  const double mean_term = (mean_a - mean_b).pow(2).sum().item<double>();
  const double distance = mean_term + cov_a.trace().item<double>() + cov_b.trace().item<double>() - 2 * trace_sqrt;
  if (!std::isfinite(distance)) throw RuntimeError("Fréchet distance: the computation gave a non-finite value");
  return std::max(distance, 0.0);  // tiny negative values are round-off of identical statistics
}

}  // namespace genai::eval
