#pragma once
// Adversarial losses of the original GAN (Goodfellow et al. 2014) on discriminator logits.
// BCE-with-logits written through softplus: -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) =
// softplus(l), which is exactly binary_cross_entropy_with_logits without building target tensors.
#include <torch/torch.h>

namespace genai {

// D: BCE(D(x), 1) + BCE(D(G(z)), 0), each the mean over its batch.
torch::Tensor discriminator_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits);

// G, non-saturating: BCE(D(G(z)), 1) = mean softplus(-D(G(z))).
torch::Tensor generator_loss(const torch::Tensor& fake_logits);

}  // namespace genai
