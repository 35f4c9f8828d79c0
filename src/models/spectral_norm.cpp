#include "genai/models/spectral_norm.h"

namespace genai::models {
namespace {

constexpr double kNormEps = 1e-12;  // as torch.nn.utils.spectral_norm

torch::Tensor unit(const torch::Tensor& x) { return x / x.norm().clamp_min(kNormEps); }

}  // namespace

SpectralNorm::SpectralNorm(torch::nn::Module& root) {
  torch::NoGradGuard no_grad;
  auto visit = [&](torch::nn::Module& module, torch::Tensor& member) {
    const auto rows = member.size(0), cols = member.numel() / member.size(0);
    Layer layer;
    layer.member = &member;
    layer.weight = member;
    layer.u = module.register_buffer("sn_u", unit(torch::randn({rows})));
    layer.v = module.register_buffer("sn_v", unit(torch::randn({cols})));
    layers_.push_back(layer);
  };
  auto take = [&](torch::nn::Module& module) {
    if (auto* linear = module.as<torch::nn::Linear>()) visit(module, linear->weight);
    if (auto* conv = module.as<torch::nn::Conv2d>()) visit(module, conv->weight);
  };
  take(root);
  for (const auto& module : root.modules(/*include_self=*/false)) take(*module);
}

torch::Tensor spectral_norm_estimate(const torch::Tensor& weight, const torch::Tensor& u, const torch::Tensor& v) {
  return torch::dot(u, torch::mv(weight.flatten(1), v));
}

void SpectralNorm::refresh(bool training) {
  for (auto& layer : layers_) {
    // The buffers are moved with the module (to(device)) and loaded in place: re-read them through the layer.
    torch::Tensor u = layer.u, v = layer.v;
    if (training) {
      torch::NoGradGuard no_grad;
      const auto w = layer.weight.flatten(1);
      // Fresh tensors, then copied into the buffers: sigma's graph keeps these, which nothing modifies later.
      v = unit(torch::mv(w.t(), layer.u));
      u = unit(torch::mv(w, v));
      layer.u.copy_(u);
      layer.v.copy_(v);
    } else {
      u = layer.u.clone();
      v = layer.v.clone();
    }
    *layer.member = layer.weight / spectral_norm_estimate(layer.weight, u, v);
  }
}

}  // namespace genai::models
