#pragma once
// The Inception-v3 that FID is defined with: pytorch-fid 0.3.0's port of TensorFlow's 2015-12-05 graph
// (torchvision's Inception3 layout with its FIDInceptionA/C/E_1/E_2 blocks: average pools that exclude the
// padding, a max pool in the last block), loaded from pytorch-fid's weights file
// pt_inception-2015-12-05-6726825d.pth. Its input path is pytorch-fid's: RGB in [0, 1], bilinear resize to
// 299x299 (align_corners false), scaled to [-1, 1]. Features: the 2048-d average pool; logits: the 1008-way fc
// (for the Inception Score).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "genai/eval/rgb_feature_network.h"

namespace genai::eval {

// BasicConv2d: convolution without bias, batch norm (eps 0.001), ReLU.
class InceptionConvImpl : public torch::nn::Module {
 public:
  InceptionConvImpl(int64_t in, int64_t out, std::vector<int64_t> kernel, std::vector<int64_t> stride = {1, 1},
                    std::vector<int64_t> padding = {0, 0});
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(InceptionConv);

class FidInceptionV3Impl : public torch::nn::Module, public RgbFeatureNetwork {
 public:
  static constexpr int64_t kInputSize = 299;
  static constexpr int64_t kFeatureDim = 2048;
  static constexpr int64_t kClasses = 1008;

  FidInceptionV3Impl();
  // `rgb`: float [N, 3, H, W] in [0, 1]. Returns the pool features [N, 2048].
  torch::Tensor features(const torch::Tensor& rgb) override;
  torch::Tensor logits(const torch::Tensor& features) override { return fc_->forward(features); }
  int64_t feature_dim() const override { return kFeatureDim; }

 private:
  torch::nn::Sequential stem_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(FidInceptionV3);

// Builds the network and loads `path` (pytorch-fid's file, or any torch.save'd state dict with its keys and
// shapes). Throws RuntimeError naming the file and the first missing, unexpected or misshapen entry.
FidInceptionV3 load_fid_inception(const std::string& path);

}  // namespace genai::eval
