#pragma once
// Spectral normalization (Miyato et al. 2018) of every Linear and Conv2d weight under a module: the layer
// computes with W / sigma(W), sigma estimated by one power iteration per training forward, as PyTorch's
// torch.nn.utils.spectral_norm. The raw W stays the registered parameter (the optimizer, checkpoints and
// parameter names see it unchanged); the layer's `weight` member, which its forward reads, is pointed at
// W / sigma by refresh(). The power-iteration vectors u and v are buffers of the layer ("sn_u", "sn_v"), so
// checkpoints keep them and a resumed run continues the iteration exactly.
#include <torch/torch.h>

#include <vector>

namespace genai::models {

class SpectralNorm {
 public:
  SpectralNorm() = default;
  // Registers u and v (random unit vectors from torch's default CPU generator) on each Linear and Conv2d
  // module below `root`, root included.
  explicit SpectralNorm(torch::nn::Module& root);

  // Before each forward of the network: in training mode, one power iteration updates u and v in place;
  // then every layer's weight member becomes W / (u^T W v), differentiable in W. In eval mode u and v stay.
  void refresh(bool training);
  bool enabled() const { return !layers_.empty(); }

 private:
  struct Layer {
    torch::Tensor* member;  // the module's `weight` member, which its forward uses
    torch::Tensor weight;   // the registered parameter W
    torch::Tensor u, v;     // buffers: [out], [in x kernel]
  };
  std::vector<Layer> layers_;
};

// sigma(W) as refresh() estimates it from the stored u and v: u^T W v, W flattened to [out, rest].
torch::Tensor spectral_norm_estimate(const torch::Tensor& weight, const torch::Tensor& u, const torch::Tensor& v);

}  // namespace genai::models
