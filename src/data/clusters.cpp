#include "genai/data/clusters.h"

#include <ATen/CPUGeneratorImpl.h>

#include "genai/error.h"

namespace genai::data {

namespace {

// Squared Euclidean distances [N, C] between the rows of x [N, D] (with squared norms x2 [N]) and centroids [C, D].
torch::Tensor squared_distances(const torch::Tensor& x, const torch::Tensor& x2, const torch::Tensor& centroids) {
  const auto c = centroids.to(torch::kFloat32);
  return torch::addmm(x2.unsqueeze(1) + c.pow(2).sum(1).unsqueeze(0), x, c.t(), /*beta=*/1, /*alpha=*/-2).clamp_min_(0);
}

}  // namespace

torch::Tensor kmeans_labels(const torch::Tensor& images, int64_t k, uint64_t seed, int64_t max_iterations) {
  const int64_t n = images.size(0);
  if (k < 2 || k > n)
    throw RuntimeError("k-means needs 2 to " + std::to_string(n) + " clusters for " + std::to_string(n) + " images (got " + std::to_string(k) +
                       "); use --clusters 2 to " + std::to_string(n));
  torch::NoGradGuard no_grad;
  const auto x = images.reshape({n, -1}).to(torch::kCPU, torch::kFloat32).contiguous();
  const auto x2 = x.pow(2).sum(1);
  auto generator = at::detail::createCPUGenerator(seed);

  // k-means++: each next centroid is an image drawn with probability proportional to its squared distance from
  // the nearest centroid so far.
  auto centroids = torch::empty({k, x.size(1)}, torch::kFloat64);
  auto first = torch::randint(n, {1}, generator, torch::kInt64).item<int64_t>();
  centroids[0].copy_(x[first]);
  auto nearest = squared_distances(x, x2, centroids.narrow(0, 0, 1)).squeeze(1);
  for (int64_t c = 1; c < k; ++c) {
    // All images equal to some centroid: any image will do.
    const auto weights = nearest.sum().item<double>() > 0 ? nearest.to(torch::kFloat64) : torch::ones({n}, torch::kFloat64);
    const auto next = torch::multinomial(weights, 1, /*replacement=*/false, generator).item<int64_t>();
    centroids[c].copy_(x[next]);
    nearest = torch::minimum(nearest, squared_distances(x, x2, centroids.narrow(0, c, 1)).squeeze(1));
  }

  // Lloyd: assign each image to its nearest centroid, move each centroid to the mean of its images.
  auto labels = squared_distances(x, x2, centroids).argmin(1);
  const auto x64 = x.to(torch::kFloat64);
  for (int64_t iteration = 0; iteration < max_iterations; ++iteration) {
    const auto counts = torch::bincount(labels, {}, k).to(torch::kFloat64);
    const auto sums = torch::zeros_like(centroids).index_add_(0, labels, x64);
    const auto occupied = counts > 0;
    centroids = torch::where(occupied.unsqueeze(1), sums / counts.clamp_min(1).unsqueeze(1), centroids);
    auto next = squared_distances(x, x2, centroids).argmin(1);
    if (torch::equal(next, labels)) break;
    labels = next;
  }
  return labels.to(images.device());
}

}  // namespace genai::data
