#pragma once
// The two networks of a GAN, as abstract modules, so the trainer, checkpoints and sampler work with any
// architecture. Images are [B, 1, 28, 28] in [-1, 1]; discriminators return raw logits of shape [B].
#include <torch/torch.h>

#include <memory>

#include "genai/config.h"
#include "genai/image_shape.h"

namespace genai::models {

using genai::kImagePixels;  // models::kImageSide as well as genai::kImageSide
using genai::kImageSide;

// `labels` (int64 [B] class indices) condition the conditional models (cmlp, cdcgan); the unconditional
// ones ignore them, so callers may always pass the batch's labels or none.
struct Generator : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) = 0;  // [B, z_dim] -> [B, 1, 28, 28]
  virtual int64_t classes() const { return 0; }                                                 // 0: unconditional
};

struct Discriminator : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& labels = {}) = 0;  // -> logits [B]
};

// An unconditional discriminator split into features phi(x) and a linear head, so a projection
// discriminator can be built on top of it.
struct FeatureDiscriminator : Discriminator {
  virtual torch::Tensor features(const torch::Tensor& images) = 0;  // [B, feature_dim()]
  virtual torch::Tensor head(const torch::Tensor& features) = 0;    // [B, 1]
  virtual int64_t feature_dim() const = 0;
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& = {}) override { return head(features(images)).view({-1}); }
};

struct Gan {
  std::shared_ptr<Generator> generator;
  std::shared_ptr<Discriminator> discriminator;
};

// Builds the pair the config names, initialised from torch's current default CPU generator. Conditional
// kinds need config.classes >= 2.
Gan make_gan(const ModelConfig& config);
std::shared_ptr<Generator> make_generator(const ModelConfig& config);

int64_t parameter_count(torch::nn::Module& module);

}  // namespace genai::models
