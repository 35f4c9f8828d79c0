#pragma once
// The Fréchet distance between two Gaussians fitted to feature sets (Heusel et al. 2017's FID formula):
//   ||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^1/2 S_b S_a^1/2)^1/2).
// In genai's own classifier's feature space it is called FD-LeNet; it is NOT comparable to Inception FID.
// Statistics are float64. The trace of the matrix square root is taken in the symmetric form above by
// eigen-decomposition (S_a^1/2 from eigh, then the eigenvalues of the symmetric PSD product), which is
// stable where the usual sqrtm(S_a S_b) of a non-symmetric product is not.
#include <torch/torch.h>

namespace genai::eval {

struct GaussianStatistics {
  torch::Tensor mean;        // float64 [D]
  torch::Tensor covariance;  // float64 [D, D], unbiased (divides by N - 1)
  int64_t count = 0;         // samples they were computed from: compare distances only at equal counts
};

// Mean and covariance of features [N, D] (N >= 2), computed in float64 on the CPU.
GaussianStatistics gaussian_statistics(const torch::Tensor& features);

// Throws genai::RuntimeError when any statistic is NaN or Inf, or the shapes differ.
double frechet_distance(const GaussianStatistics& a, const GaussianStatistics& b);

}  // namespace genai::eval
