#pragma once
// Drawing images from a generator: noise from a CPU generator seeded with `seed`, in fixed-size chunks, so
// the same seed gives the same images on any device and memory stays bounded for any count.
#include <torch/torch.h>

#include "genai/models/gan.h"

namespace genai::models {

// Puts a module in eval mode and restores its previous mode on every exit, exceptions included (train
// --eval-every goes on after a failed quick eval, with G still in training mode).
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) { module_.eval(); }
  ~EvalModeGuard() { module_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

// `count` images [count, 1, 28, 28] in [-1, 1] on the CPU, from G in eval mode (BatchNorm running
// statistics, so each image depends only on its own noise). G's train/eval mode is restored afterwards.
// `labels` (int64 [count], CPU) are the classes for a conditional G; ignored by an unconditional one.
torch::Tensor generate_images(Generator& generator, int64_t z_dim, int64_t count, uint64_t seed, torch::Device device,
                              const torch::Tensor& labels = {});

// `count` class labels for a conditional model: every class equally often (0, 1, ..., C-1, 0, 1, ...),
// or all `only_class` when it is >= 0.
torch::Tensor balanced_labels(int64_t count, int64_t classes, int64_t only_class = -1);

// The latent vector of one seed (z_dim values from a CPU generator seeded with it).
torch::Tensor seed_latent(uint64_t seed, int64_t z_dim);

// Spherical linear interpolation between latents a and b ([z_dim]) at t in [0, 1]; linear when they
// are (nearly) parallel.
torch::Tensor slerp(const torch::Tensor& a, const torch::Tensor& b, double t);

}  // namespace genai::models
