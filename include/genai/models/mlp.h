#pragma once
// The MNIST GAN of our design: fully connected G z -> 256 -> 128 -> 64 -> 784 and D 784 -> 256 -> 128 -> 1,
// LeakyReLU(0.2) hidden activations, tanh output on [-1, 1] data, D returning logits. Layer sizes and the
// generator's normalization are options (see ModelConfig); other image shapes replace 784 by C x S x S (sides up
// to kMaxMlpImageSize).
#include "genai/models/gan.h"

namespace genai::models {

class MlpGenerator : public Generator {
 public:
  MlpGenerator(int64_t z_dim, const std::vector<int64_t>& hidden, bool batch_norm, const ImageShape& shape = kMnistShape);
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;
  const torch::nn::Sequential& body() const { return body_; }  // for the hand-written training step

 private:
  torch::nn::Sequential body_;
  ImageShape shape_;
};

class MlpDiscriminator : public FeatureDiscriminator {
 public:
  // minibatch_stddev: see FeatureDiscriminator (0: none).
  explicit MlpDiscriminator(const std::vector<int64_t>& hidden, const ImageShape& shape = kMnistShape, int64_t minibatch_stddev = 0);
  torch::Tensor head(const torch::Tensor& features) override;
  const torch::nn::Sequential& body() const { return body_; }  // for the hand-written training step

 protected:
  torch::Tensor body_features(const torch::Tensor& images) override;  // the last hidden layer's activations
  int64_t body_feature_dim() const override { return body_feature_dim_; }

 private:
  torch::nn::Sequential body_;  // hidden layers, then the final Linear (one Sequential: checkpoint names stay)
  int64_t values_;              // C x S x S inputs
  int64_t body_feature_dim_;
};

}  // namespace genai::models
