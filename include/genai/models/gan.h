#pragma once
// The two networks of a GAN, as abstract modules, so the trainer, checkpoints and sampler work with any
// architecture. Images are [B, C, S, S] in [-1, 1] (ModelConfig's shape); discriminators return raw logits of shape [B].
#include <torch/torch.h>

#include <memory>

#include "genai/config.h"
#include "genai/image_shape.h"
#include "genai/models/spectral_norm.h"

namespace genai::models {

using genai::ImageShape;  // models::ImageShape as well as genai::ImageShape
using genai::kMnistShape;

// `labels` (int64 [B] class indices) condition the conditional models (cmlp, cdcgan); the unconditional
// ones ignore them, so callers may always pass the batch's labels or none.
struct Generator : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) = 0;  // [B, z_dim] -> [B, C, S, S]
  virtual int64_t classes() const { return 0; }                                                 // 0: unconditional
};

struct Discriminator : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& labels = {}) = 0;  // -> logits [B]
};

// An unconditional discriminator split into features phi(x) and a linear head, so a projection
// discriminator can be built on top of it. The base class adds what every architecture can have: spectral
// normalization of its layers (refreshed before each features()) and the minibatch-stddev feature appended
// to phi (the head of a subclass built with minibatch_stddev > 0 takes body_feature_dim() + 1 inputs).
struct FeatureDiscriminator : Discriminator {
  torch::Tensor features(const torch::Tensor& images);            // [B, feature_dim()]
  virtual torch::Tensor head(const torch::Tensor& features) = 0;  // [B, 1]
  int64_t feature_dim() const { return body_feature_dim() + (minibatch_stddev_ > 0 ? 1 : 0); }
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& = {}) override { return head(features(images)).view({-1}); }
  // Normalizes every Linear and Conv2d weight from now on (call once, after the weights are initialised).
  void use_spectral_norm() { spectral_norm_ = SpectralNorm(*this); }

 protected:
  explicit FeatureDiscriminator(int64_t minibatch_stddev) : minibatch_stddev_(minibatch_stddev) {}
  virtual torch::Tensor body_features(const torch::Tensor& images) = 0;  // [B, body_feature_dim()]
  virtual int64_t body_feature_dim() const = 0;

 private:
  int64_t minibatch_stddev_;  // group size; 0: no minibatch-stddev feature
  SpectralNorm spectral_norm_;
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
