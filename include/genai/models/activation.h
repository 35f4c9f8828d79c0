#pragma once
// The hidden activation of both model families (MLP and DCGAN): LeakyReLU with slope 0.2, as in the DCGAN paper.
#include <torch/torch.h>

namespace genai::models {

inline torch::nn::LeakyReLU leaky_relu() { return torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)); }

}  // namespace genai::models
