#pragma once
// The MNIST GAN of our design: fully connected G z -> 256 -> 128 -> 64 -> 784 and D 784 -> 256 -> 128 -> 1,
// LeakyReLU(0.2) hidden activations, tanh output on [-1, 1] data, D returning logits. Layer sizes and the
// generator's normalization are options (see ModelConfig).
#include "genai/models/gan.h"

namespace genai::models {

class MlpGenerator : public Generator {
 public:
  MlpGenerator(int64_t z_dim, const std::vector<int64_t>& hidden, bool batch_norm);
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;
  const torch::nn::Sequential& body() const { return body_; }  // for the hand-written training step

 private:
  torch::nn::Sequential body_;
};

class MlpDiscriminator : public FeatureDiscriminator {
 public:
  explicit MlpDiscriminator(const std::vector<int64_t>& hidden);
  torch::Tensor features(const torch::Tensor& images) override;  // the last hidden layer's activations
  torch::Tensor head(const torch::Tensor& features) override;
  int64_t feature_dim() const override { return feature_dim_; }
  const torch::nn::Sequential& body() const { return body_; }  // for the hand-written training step

 private:
  torch::nn::Sequential body_;  // hidden layers, then the final Linear (one Sequential: checkpoint names stay)
  int64_t feature_dim_;
};

}  // namespace genai::models
