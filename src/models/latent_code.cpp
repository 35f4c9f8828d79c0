#include "genai/models/latent_code.h"

#include <torch/special.h>

#include <cmath>
#include <limits>

namespace genai::models {

namespace {

torch::Tensor equal_edges(int64_t codes) { return torch::arange(1, codes, torch::kFloat64) / static_cast<double>(codes); }

}  // namespace

// A code is the number of edges e at or below Phi(z_last), that is of thresholds Phi^-1(e) at or below z_last: the
// comparison happens on z's own float32 scale, one bucketize per batch, instead of Phi in float64 for every row.
// Each threshold is the smallest float32 at or above Phi^-1(e) (in double), so for every float32 z, z >= threshold
// exactly when Phi(z) >= e: the bins do not depend on float rounding near their edges.
torch::Tensor code_thresholds(const torch::Tensor& edges) {
  const auto quantiles = torch::special::ndtri(edges.to(torch::kCPU, torch::kFloat64).contiguous());
  auto thresholds = torch::empty({quantiles.numel()}, torch::kFloat32);
  const double* q = quantiles.data_ptr<double>();
  float* t = thresholds.data_ptr<float>();
  for (int64_t i = 0; i < quantiles.numel(); ++i) {
    float f = static_cast<float>(q[i]);
    if (static_cast<double>(f) < q[i]) f = std::nextafter(f, std::numeric_limits<float>::infinity());
    t[i] = f;
  }
  return thresholds.to(edges.device());
}

torch::Tensor code_thresholds(int64_t codes, torch::Device device) { return code_thresholds(equal_edges(codes)).to(device); }

void latent_code_out(torch::Tensor& out, const torch::Tensor& z, const torch::Tensor& thresholds) {
  TORCH_CHECK(z.dim() == 2 && z.size(1) >= 1, "latent_code takes noise rows [B, z_dim]");
  torch::NoGradGuard no_grad;
  // The column is strided in z: bucketize copies a strided input anyway, and warns in the log when it has to.
  torch::bucketize_out(out, z.select(1, z.size(1) - 1).contiguous(), thresholds, /*out_int32=*/false, /*right=*/true);
}

torch::Tensor latent_code(const torch::Tensor& z, int64_t codes) { return latent_code(z, equal_edges(codes)); }

torch::Tensor latent_code(const torch::Tensor& z, const torch::Tensor& edges) {
  auto out = torch::empty({z.size(0)}, torch::TensorOptions().dtype(torch::kInt64).device(z.device()));
  latent_code_out(out, z, code_thresholds(edges).to(z.device()));
  return out;
}

LatentCodeGenerator::LatentCodeGenerator(std::shared_ptr<Generator> inner, int64_t codes, bool weighted)
    : inner_(register_module("inner", std::move(inner))), codes_(codes) {
  embedding_ = register_module("code_embedding", torch::nn::Embedding(codes, kLabelEmbeddingDim));  // N(0, 1), like z
  if (weighted) edges_ = register_buffer("code_edges", equal_edges(codes));
}

const torch::Tensor& LatentCodeGenerator::thresholds(torch::Device device) const {
  // Made again only when the edges change (set_code_frequencies, a checkpoint loaded in place: both bump the
  // buffer's version) or the module moves: one small read of the edges, never per step.
  const int64_t version = edges_.defined() ? edges_._version() : 0;
  if (!thresholds_.defined() || thresholds_.device() != device || version != thresholds_version_) {
    thresholds_ = code_thresholds(edges_.defined() ? edges_ : equal_edges(codes_)).to(device);
    thresholds_version_ = version;
  }
  return thresholds_;
}

torch::Tensor LatentCodeGenerator::code_of(const torch::Tensor& z) const {
  auto out = torch::empty({z.size(0)}, torch::TensorOptions().dtype(torch::kInt64).device(z.device()));
  code_of_out(out, z);
  return out;
}

void LatentCodeGenerator::code_of_out(torch::Tensor& out, const torch::Tensor& z) const { latent_code_out(out, z, thresholds(z.device())); }

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
