#include "genai/losses.h"

#include "genai/error.h"

namespace genai {

torch::Tensor discriminator_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits, Loss loss) {
  switch (loss) {
    case Loss::kHinge:
      return torch::relu(1 - real_logits).mean() + torch::relu(1 + fake_logits).mean();
    case Loss::kLsgan:
      return 0.5 * (real_logits - 1).pow(2).mean() + 0.5 * fake_logits.pow(2).mean();
    case Loss::kWganGp:
      return fake_logits.mean() - real_logits.mean();
    case Loss::kBce:
      break;
  }
  return torch::softplus(-real_logits).mean() + torch::softplus(fake_logits).mean();
}

torch::Tensor generator_loss(const torch::Tensor& fake_logits, Loss loss) {
  switch (loss) {
    case Loss::kHinge:
    case Loss::kWganGp:
      return -fake_logits.mean();
    case Loss::kLsgan:
      return 0.5 * (fake_logits - 1).pow(2).mean();
    case Loss::kBce:
      break;
  }
  return torch::softplus(-fake_logits).mean();
}

torch::Tensor r1_penalty(const torch::Tensor& real_logits, const torch::Tensor& real, double gamma) {
  const auto grad = torch::autograd::grad({real_logits.sum()}, {real}, /*grad_outputs=*/{}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  return 0.5 * gamma * grad.pow(2).flatten(1).sum(1).mean();
}

torch::Tensor gradient_penalty(const torch::Tensor& logits, const torch::Tensor& between, double weight) {
  const auto grad = torch::autograd::grad({logits.sum()}, {between}, /*grad_outputs=*/{}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  // sqrt of the squared norm plus a tiny constant: the gradient of a plain norm is NaN where the norm is 0.
  const auto norm = (grad.pow(2).flatten(1).sum(1) + 1e-12).sqrt();
  return weight * (norm - 1).pow(2).mean();
}

torch::Tensor mode_seeking_penalty(const torch::Tensor& fake, const torch::Tensor& noise) {
  TORCH_CHECK(fake.size(0) >= 2 && noise.size(0) == fake.size(0), "the mode-seeking term needs a batch of at least 2 pairs of image and noise");
  const int64_t half = fake.size(0) / 2;
  const auto images = (fake.narrow(0, 0, half) - fake.narrow(0, half, half)).abs().mean();
  const auto latents = (noise.narrow(0, 0, half) - noise.narrow(0, half, half)).abs().mean();
  return 1.0 / (images / latents + 1e-5);
}

}  // namespace genai
