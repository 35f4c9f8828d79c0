#pragma once
// DCGAN (Radford et al. 2015) adapted to 28x28: G projects z to 2C x 7 x 7 (BatchNorm2d over those maps,
// so even a batch of one image has 49 values per channel), then two stride-2 transposed
// convolutions 7 -> 14 -> 28 (BatchNorm + ReLU between, tanh at the end); D mirrors it with stride-2
// convolutions 28 -> 14 -> 7, LeakyReLU(0.2), BatchNorm on the middle layer, and one linear logit.
// Weights are initialised as in the paper: N(0, 0.02), BatchNorm scale N(1, 0.02).
#include "genai/models/gan.h"

namespace genai::models {

class DcganGenerator : public Generator {
 public:
  DcganGenerator(int64_t z_dim, int64_t channels);
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;

 private:
  int64_t channels_;
  torch::nn::Linear project_{nullptr};
  torch::nn::BatchNorm2d project_norm_{nullptr};
  torch::nn::Sequential upsample_;
};

class DcganDiscriminator : public FeatureDiscriminator {
 public:
  // minibatch_stddev: see FeatureDiscriminator (0: none).
  explicit DcganDiscriminator(int64_t channels, int64_t minibatch_stddev = 0);
  torch::Tensor head(const torch::Tensor& features) override;

 protected:
  torch::Tensor body_features(const torch::Tensor& images) override;  // the flattened 2C x 7 x 7 maps
  int64_t body_feature_dim() const override { return body_feature_dim_; }

 private:
  int64_t body_feature_dim_;
  torch::nn::Sequential features_;
  torch::nn::Linear classify_{nullptr};
};

// DCGAN initialisation, applied once after construction.
void dcgan_init(torch::nn::Module& module);

}  // namespace genai::models
