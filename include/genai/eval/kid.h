#pragma once
// Kernel Inception Distance (Binkowski et al. 2018) in genai's feature space: the unbiased estimate of
// MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over random subsets.
#include <torch/torch.h>

#include "genai/eval/statistics.h"

namespace genai::eval {

// Unbiased MMD^2 between two feature sets [m, d] and [n, d] (m, n >= 2), in float64.
double polynomial_mmd2_unbiased(const torch::Tensor& x, const torch::Tensor& y);

// Mean and std of polynomial_mmd2_unbiased over `subsets` pairs of random subsets (drawn without
// replacement within a subset) of min(subset_size, |x|, |y|) rows each, seeded by `seed`.
MeanStd kernel_inception_distance(const torch::Tensor& x, const torch::Tensor& y, int64_t subsets, int64_t subset_size, uint64_t seed);

}  // namespace genai::eval
