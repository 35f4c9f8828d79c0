#pragma once
// The two networks of a GAN, as abstract modules, so the trainer, checkpoints and sampler work with any
// architecture. Images are [B, 1, 28, 28] in [-1, 1]; discriminators return raw logits of shape [B].
#include <torch/torch.h>

#include <memory>

#include "genai/config.h"

namespace genai::models {

inline constexpr int64_t kImageSide = 28;
inline constexpr int64_t kImagePixels = kImageSide * kImageSide;

struct Generator : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& z) = 0;  // [B, z_dim] -> [B, 1, 28, 28]
};

struct Discriminator : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& images) = 0;  // [B, 1, 28, 28] -> logits [B]
};

struct Gan {
  std::shared_ptr<Generator> generator;
  std::shared_ptr<Discriminator> discriminator;
};

// Builds the pair the config names, initialised from torch's current default CPU generator.
Gan make_gan(const ModelConfig& config);
std::shared_ptr<Generator> make_generator(const ModelConfig& config);

int64_t parameter_count(torch::nn::Module& module);

}  // namespace genai::models
