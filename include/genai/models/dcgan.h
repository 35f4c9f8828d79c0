#pragma once
// DCGAN (Radford et al. 2015) for any side that halves down to 4 or 7 (genai/image_shape.h's conv_pyramid). For
// 28x28: G projects z to 2C x 7 x 7 (BatchNorm2d over those maps, so even a batch of one image has 49 values per
// channel), then two stride-2 transposed convolutions 7 -> 14 -> 28 (BatchNorm + ReLU between, tanh at the end); D
// mirrors it with stride-2 convolutions 28 -> 14 -> 7, LeakyReLU(0.2), BatchNorm after every convolution but the
// first, and one linear logit. 32, 64 and 128 px add stages down to 4x4 (the paper's 64x64 network: 4 stages);
// the maps at half the image side have C channels, each halving doubles them, up to 8C. The image's channels
// (1 or 3) are G's last and D's first layer's. Weights are initialised as in the paper: N(0, 0.02), BatchNorm
// scale N(1, 0.02).
#include "genai/models/gan.h"

namespace genai::models {

inline constexpr int64_t kDcganMaxWidthFactor = 8;

// The stages of a DCGAN: widths[i] channels at side size / 2^(i+1); the deepest maps are base x base.
struct DcganLayout {
  int64_t base = 0;
  std::vector<int64_t> widths;
};
DcganLayout dcgan_layout(const ImageShape& shape, int64_t channels);

class DcganGenerator : public Generator {
 public:
  DcganGenerator(int64_t z_dim, int64_t channels, const ImageShape& shape = kMnistShape);
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;

 private:
  DcganLayout layout_;
  torch::nn::Linear project_{nullptr};
  torch::nn::BatchNorm2d project_norm_{nullptr};
  torch::nn::Sequential upsample_;
};

class DcganDiscriminator : public FeatureDiscriminator {
 public:
  // minibatch_stddev: see FeatureDiscriminator (0: none).
  explicit DcganDiscriminator(int64_t channels, const ImageShape& shape = kMnistShape, int64_t minibatch_stddev = 0);
  torch::Tensor head(const torch::Tensor& features) override;

 protected:
  torch::Tensor body_features(const torch::Tensor& images) override;  // the flattened deepest maps (2C x 7 x 7 for 28x28)
  int64_t body_feature_dim() const override { return body_feature_dim_; }

 private:
  int64_t body_feature_dim_ = 0;
  torch::nn::Sequential features_;
  torch::nn::Linear classify_{nullptr};
};

// DCGAN initialisation, applied once after construction.
void dcgan_init(torch::nn::Module& module);

}  // namespace genai::models
