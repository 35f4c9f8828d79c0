#pragma once
// Manifold metrics built on k-nearest-neighbour balls in feature space:
//   precision and recall (Kynkaanniemi et al. 2019): the share of generated samples inside the union of
//   the real samples' k-NN balls, and the share of real samples inside the generated samples' balls;
//   density and coverage (Naeem et al. 2020): how many real balls contain each generated sample, over k,
//   and the share of real balls that contain at least one generated sample.
// A ball's radius is the distance to the k-th nearest OTHER member of the same set; a point on the
// boundary counts as inside. Distances are computed in float64 by blocked matrix products, so memory
// stays at one [block, N] matrix however large the sets are.
#include <torch/torch.h>

namespace genai::eval {

inline constexpr int64_t kDistanceBlockRows = 1024;

// Euclidean distance from each row of `x` [N, D] to its k-th nearest other row (k < N), float64 [N].
torch::Tensor kth_neighbor_distances(const torch::Tensor& x, int64_t k, int64_t block_rows = kDistanceBlockRows);

struct PrecisionRecall {
  double precision = 0;
  double recall = 0;
};
PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& fake, int64_t k, int64_t block_rows = kDistanceBlockRows);

struct DensityCoverage {
  double density = 0;
  double coverage = 0;
};
DensityCoverage density_coverage(const torch::Tensor& real, const torch::Tensor& fake, int64_t k, int64_t block_rows = kDistanceBlockRows);

}  // namespace genai::eval
