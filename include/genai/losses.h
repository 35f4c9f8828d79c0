#pragma once
// Adversarial losses on discriminator outputs (raw logits, shape [B]), each the mean over its batch:
// - bce (Goodfellow et al. 2014, non-saturating G): D: softplus(-D(x)) + softplus(D(G(z))), G: softplus(-D(G(z))).
//   Written through softplus: -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), which is
//   exactly binary_cross_entropy_with_logits without building target tensors.
// - hinge (Lim & Ye 2017; SAGAN, BigGAN): D: relu(1 - D(x)) + relu(1 + D(G(z))), G: -D(G(z)).
// - lsgan (Mao et al. 2017, targets 0 and 1): D: (D(x) - 1)^2 / 2 + D(G(z))^2 / 2, G: (D(G(z)) - 1)^2 / 2.
// - wgan-gp (Gulrajani et al. 2017): D (a critic): D(G(z)) - D(x), plus gradient_penalty below, G: -D(G(z)).
#include <torch/torch.h>

#include <string>

#include "genai/config/closed_set.h"

namespace genai {

torch::Tensor discriminator_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits, Loss loss = Loss::kBce);
torch::Tensor generator_loss(const torch::Tensor& fake_logits, Loss loss = Loss::kBce);

// The R1 penalty (Mescheder et al. 2018): gamma / 2 * mean over the batch of ||d sum(D(x)) / dx||^2, where
// `real_logits` = D(real) and `real` requires grad. Differentiable (create_graph), so D learns from it.
torch::Tensor r1_penalty(const torch::Tensor& real_logits, const torch::Tensor& real, double gamma);

// WGAN-GP's penalty: weight * mean over the batch of (||d sum(D(x^)) / dx^|| - 1)^2, where `logits` = D(x^) and
// `between` = x^ (requiring grad) are images on lines between real and fake ones. Differentiable (create_graph).
torch::Tensor gradient_penalty(const torch::Tensor& logits, const torch::Tensor& between, double weight);

// The mode-seeking term of MSGAN (Mao et al. 2019), which G minimises: 1 / (ratio + 1e-5), where ratio is the mean
// absolute difference between the images of the first and the second half of the batch over that between their
// noise rows. The halves are drawn in pairs with the same condition, so a G that ignores z for a given class (or
// code) pays for it. `fake` [B, ...] and `noise` [B, z_dim] with B >= 2; an odd last row is left out.
torch::Tensor mode_seeking_penalty(const torch::Tensor& fake, const torch::Tensor& noise);

}  // namespace genai
