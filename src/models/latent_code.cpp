#include "genai/models/latent_code.h"

#include <cmath>

namespace genai::models {

namespace {

// Phi(x) = erfc(-x / sqrt 2) / 2 of z's last entry, in double so that the bins do not depend on float rounding near
// their edges.
torch::Tensor uniform_of(const torch::Tensor& z) {
  TORCH_CHECK(z.dim() == 2 && z.size(1) >= 1, "latent_code takes noise rows [B, z_dim]");
  return torch::erfc(z.select(1, z.size(1) - 1).to(torch::kFloat64) * (-1.0 / std::sqrt(2.0))) * 0.5;
}

}  // namespace

torch::Tensor latent_code(const torch::Tensor& z, int64_t codes) {
  torch::NoGradGuard no_grad;
  return (uniform_of(z) * static_cast<double>(codes)).floor().clamp(0, codes - 1).to(torch::kInt64);
}

torch::Tensor latent_code(const torch::Tensor& z, const torch::Tensor& edges) {
  torch::NoGradGuard no_grad;
  return (uniform_of(z).unsqueeze(1) >= edges.to(z.device(), torch::kFloat64).unsqueeze(0)).sum(1).to(torch::kInt64);
}

LatentCodeGenerator::LatentCodeGenerator(std::shared_ptr<Generator> inner, int64_t codes, bool weighted)
    : inner_(register_module("inner", std::move(inner))), codes_(codes) {
  embedding_ = register_module("code_embedding", torch::nn::Embedding(codes, kLabelEmbeddingDim));  // N(0, 1), like z
  if (weighted) edges_ = register_buffer("code_edges", torch::arange(1, codes, torch::kFloat64) / static_cast<double>(codes));
}

torch::Tensor LatentCodeGenerator::code_of(const torch::Tensor& z) const {
  return edges_.defined() ? latent_code(z, edges_) : latent_code(z, codes_);
}

void LatentCodeGenerator::set_code_frequencies(const torch::Tensor& counts) {
  TORCH_CHECK(edges_.defined() && counts.numel() == codes_, "set_code_frequencies: weighted codes and ", codes_, " counts");
  torch::NoGradGuard no_grad;
  const auto cumulative = counts.to(torch::kCPU, torch::kFloat64).cumsum(0);
  edges_.copy_((cumulative / cumulative[-1]).narrow(0, 0, codes_ - 1));
}

torch::Tensor LatentCodeGenerator::forward(const torch::Tensor& z, const torch::Tensor&) {
  return inner_->forward(torch::cat({z, embedding_(code_of(z))}, 1));
}

CodeDiscriminator::CodeDiscriminator(std::shared_ptr<FeatureDiscriminator> inner, int64_t codes)
    : inner_(register_module("inner", std::move(inner))) {
  code_head_ = register_module("code_head", torch::nn::Linear(inner_->feature_dim(), codes));
  torch::NoGradGuard no_grad;
  code_head_->weight.normal_(0.0, 0.02);  // as dcgan_init does every Linear layer
  code_head_->bias.zero_();
}

torch::Tensor CodeDiscriminator::forward(const torch::Tensor& images, const torch::Tensor&) { return inner_->forward(images); }

std::pair<torch::Tensor, torch::Tensor> CodeDiscriminator::forward_with_codes(const torch::Tensor& images) {
  const auto phi = inner_->features(images);
  return {inner_->head(phi).view({-1}), code_head_(phi)};
}

}  // namespace genai::models
