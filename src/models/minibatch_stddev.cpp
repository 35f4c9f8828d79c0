#include "genai/models/minibatch_stddev.h"

namespace genai::models {

int64_t minibatch_stddev_group(int64_t batch, int64_t group) {
  for (int64_t g = std::min(group, batch); g > 1; --g)
    if (batch % g == 0) return g;
  return 1;
}

torch::Tensor append_minibatch_stddev(const torch::Tensor& features, int64_t group) {
  const int64_t batch = features.size(0), width = features.size(1);
  const int64_t g = minibatch_stddev_group(batch, group);
  // Row i of the batch is [i / (B/g)][i % (B/g)] of this view: group i % (B/g).
  const auto grouped = features.reshape({g, batch / g, width});
  const auto centred = grouped - grouped.mean(0, /*keepdim=*/true);
  const auto deviation = (centred.pow(2).mean(0) + 1e-8).sqrt().mean(1);  // [B/g]
  return torch::cat({features, deviation.repeat({g}).view({batch, 1})}, 1);
}

}  // namespace genai::models
