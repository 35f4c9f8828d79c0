#pragma once
// Parzen-window log-likelihood in pixel space, the protocol of Goodfellow et al. 2014 (Table 1): an
// isotropic Gaussian of width sigma on each of the generated samples (pixels scaled to [0, 1]), sigma
// chosen by grid search on held-out real images, then the mean log-likelihood of the test images in
// nats with its standard error. A weak metric (Theis et al. 2016): reported, not optimised for.
#include <torch/torch.h>

#include <vector>

namespace genai::eval {

// Goodfellow et al.'s grid: 10 values from 0.1 to 1, evenly spaced in log scale.
std::vector<double> parzen_sigma_grid();

// log p(x) = logsumexp_i(-||x - c_i||^2 / (2 sigma^2)) - log M - (D / 2) log(2 pi sigma^2) for every row
// x of `points` [N, D] and every sigma, with the M centres [M, D]: float64 [sigmas, N]. Squared
// distances are computed once per block of points and reused for every sigma.
torch::Tensor parzen_log_likelihoods(const torch::Tensor& centres, const torch::Tensor& points, const std::vector<double>& sigmas,
                                     int64_t block_rows = 512);

struct ParzenEstimate {
  double sigma = 0;           // chosen on the validation images
  double mean = 0;            // mean log-likelihood of the test images, nats
  double standard_error = 0;  // std / sqrt(N)
};

// Picks the sigma of `sigmas` with the highest mean log-likelihood of `validation`, then scores `test`.
ParzenEstimate parzen_window_estimate(const torch::Tensor& centres, const torch::Tensor& validation, const torch::Tensor& test,
                                      const std::vector<double>& sigmas);

}  // namespace genai::eval
