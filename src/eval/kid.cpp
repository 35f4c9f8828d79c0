#include "genai/eval/kid.h"

#include <cmath>
#include <numeric>
#include <random>

#include "genai/error.h"

namespace genai::eval {

double polynomial_mmd2_unbiased(const torch::Tensor& x_in, const torch::Tensor& y_in) {
  const auto x = x_in.to(torch::kCPU, torch::kFloat64), y = y_in.to(torch::kCPU, torch::kFloat64);
  const int64_t m = x.size(0), n = y.size(0);
  if (m < 2 || n < 2 || x.size(1) != y.size(1)) throw RuntimeError("KID needs two feature sets of at least 2 rows with equal widths");
  const double d = static_cast<double>(x.size(1));
  // One kernel matrix alive at a time, reduced to its sum (without the diagonal for the within-set terms).
  auto kernel_sum = [d](const torch::Tensor& a, const torch::Tensor& b, bool skip_diagonal) {
    const auto k = a.matmul(b.t()).div_(d).add_(1.0).pow_(3);
    return k.sum().item<double>() - (skip_diagonal ? k.diagonal().sum().item<double>() : 0.0);
  };
  const double sum_xx = kernel_sum(x, x, true), sum_yy = kernel_sum(y, y, true), sum_xy = kernel_sum(x, y, false);
  return sum_xx / (m * (m - 1.0)) + sum_yy / (n * (n - 1.0)) - 2.0 * sum_xy / (static_cast<double>(m) * n);
}

MeanStd kernel_inception_distance(const torch::Tensor& x, const torch::Tensor& y, int64_t subsets, int64_t subset_size, uint64_t seed) {
  const int64_t size = std::min({subset_size, x.size(0), y.size(0)});
  if (subsets < 1 || size < 2) throw RuntimeError("KID needs at least one subset of at least 2 rows");
  // Subsets are drawn with the standard library's fully specified generator, so the figure is the same on
  // every platform and LibTorch version for a given seed.
  std::mt19937_64 rng(seed ^ 0x4b49445f5345454dull);  // "KID_SEED"
  auto choose = [&](int64_t n) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    for (int64_t i = 0; i < size; ++i) {  // partial Fisher-Yates: the first `size` entries are the subset
      const int64_t j = i + static_cast<int64_t>(rng() % static_cast<uint64_t>(n - i));
      std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
    }
    order.resize(static_cast<size_t>(size));
    return torch::tensor(order, torch::kInt64);
  };
  std::vector<double> values;
  for (int64_t s = 0; s < subsets; ++s) {
    const auto xi = choose(x.size(0));
    const auto yi = choose(y.size(0));
    values.push_back(polynomial_mmd2_unbiased(x.index_select(0, xi), y.index_select(0, yi)));
  }
  MeanStd result;
  for (double v : values) result.mean += v / values.size();
  for (double v : values) result.std += (v - result.mean) * (v - result.mean) / values.size();
  result.std = std::sqrt(result.std);
  return result;
}

}  // namespace genai::eval
