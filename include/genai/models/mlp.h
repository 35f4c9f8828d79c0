#pragma once
// The MNIST GAN of our design: fully connected G z -> 256 -> 128 -> 64 -> 784 and D 784 -> 256 -> 128 -> 1,
// LeakyReLU(0.2) hidden activations, tanh output on [-1, 1] data, D returning logits. Layer sizes and the
// generator's normalization are options (see ModelConfig).
#include "genai/models/gan.h"

namespace genai::models {

class MlpGenerator : public Generator {
 public:
  MlpGenerator(int64_t z_dim, const std::vector<int64_t>& hidden, bool batch_norm);
  torch::Tensor forward(const torch::Tensor& z) override;

 private:
  torch::nn::Sequential body_;
};

class MlpDiscriminator : public Discriminator {
 public:
  explicit MlpDiscriminator(const std::vector<int64_t>& hidden);
  torch::Tensor forward(const torch::Tensor& images) override;

 private:
  torch::nn::Sequential body_;
};

}  // namespace genai::models
