#pragma once
// What genai eval asks of a pretrained feature network: features of RGB images in [0, 1] (any size; the network
// resizes them to its own input), and class logits from those features.
#include <torch/torch.h>

namespace genai::eval {

class RgbFeatureNetwork {
 public:
  virtual ~RgbFeatureNetwork() = default;
  // `rgb`: float [N, 3, H, W] in [0, 1] on the network's device. Returns [N, feature_dim()].
  virtual torch::Tensor features(const torch::Tensor& rgb) = 0;
  virtual torch::Tensor logits(const torch::Tensor& features) = 0;
  virtual int64_t feature_dim() const = 0;
};

}  // namespace genai::eval
