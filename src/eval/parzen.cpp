#include "genai/eval/parzen.h"

#include <cmath>

#include "genai/error.h"

namespace genai::eval {

std::vector<double> parzen_sigma_grid() {
  std::vector<double> sigmas;
  for (int i = 0; i < 10; ++i) sigmas.push_back(std::pow(10.0, -1.0 + i / 9.0));
  return sigmas;
}

torch::Tensor parzen_log_likelihoods(const torch::Tensor& centres_in, const torch::Tensor& points_in, const std::vector<double>& sigmas,
                                     int64_t block_rows) {
  if (centres_in.dim() != 2 || points_in.dim() != 2 || centres_in.size(1) != points_in.size(1) || centres_in.size(0) < 1)
    throw RuntimeError("Parzen window: centres and points must be [M, D] and [N, D] with M >= 1");
  if (sigmas.empty()) throw RuntimeError("Parzen window: no sigma to try");
  if (block_rows < 1) throw RuntimeError("Parzen window: block_rows must be at least 1");
  for (double s : sigmas)
    if (!(s > 0)) throw RuntimeError("Parzen window: sigma must be positive");
  // Squared distances in float64: with 784 pixels a float32 |x|^2 + |c|^2 - 2 x.c loses the small
  // distances that dominate the log-sum-exp at small sigma.
  const auto centres = centres_in.to(torch::kCPU, torch::kFloat64).contiguous();
  const auto points = points_in.to(torch::kCPU, torch::kFloat64).contiguous();
  const double m = static_cast<double>(centres.size(0)), d = static_cast<double>(centres.size(1));
  const auto centre_norms = centres.pow(2).sum(1).unsqueeze(0);
  auto result = torch::empty({static_cast<int64_t>(sigmas.size()), points.size(0)}, torch::kFloat64);
  constexpr int64_t kMaxBlockElements = int64_t{1} << 24;  // 128 MiB of float64 per block of distances
  block_rows = std::max<int64_t>(1, std::min(block_rows, kMaxBlockElements / centres.size(0)));
  for (int64_t first = 0; first < points.size(0); first += block_rows) {
    const int64_t rows = std::min(block_rows, points.size(0) - first);
    const auto block = points.narrow(0, first, rows);
    const auto squared = (block.pow(2).sum(1, true) + centre_norms - 2 * block.matmul(centres.t())).clamp_min_(0);
    for (size_t s = 0; s < sigmas.size(); ++s) {
      const double sigma = sigmas[s];
      const auto log_kernel = squared * (-1.0 / (2 * sigma * sigma));
      result[static_cast<int64_t>(s)]
          .narrow(0, first, rows)
          .copy_(torch::logsumexp(log_kernel, 1) - std::log(m) - 0.5 * d * std::log(2 * M_PI * sigma * sigma));
    }
  }
  return result;
}

ParzenEstimate parzen_window_estimate(const torch::Tensor& centres, const torch::Tensor& validation, const torch::Tensor& test,
                                      const std::vector<double>& sigmas) {
  if (test.size(0) < 2) throw RuntimeError("Parzen window: need at least 2 test points for a standard error");
  const auto validation_means = parzen_log_likelihoods(centres, validation, sigmas).mean(1);
  const int64_t best = validation_means.argmax().item<int64_t>();
  ParzenEstimate estimate;
  estimate.sigma = sigmas[static_cast<size_t>(best)];
  const auto test_ll = parzen_log_likelihoods(centres, test, {estimate.sigma})[0];
  estimate.mean = test_ll.mean().item<double>();
  estimate.standard_error = test_ll.std(/*unbiased=*/true).item<double>() / std::sqrt(static_cast<double>(test.size(0)));
  return estimate;
}

}  // namespace genai::eval
