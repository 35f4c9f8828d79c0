#include "genai/losses.h"

namespace genai {

torch::Tensor discriminator_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits) {
  return torch::softplus(-real_logits).mean() + torch::softplus(fake_logits).mean();
}

torch::Tensor generator_loss(const torch::Tensor& fake_logits) { return torch::softplus(-fake_logits).mean(); }

}  // namespace genai
