#pragma once
// Drawing images from a generator: noise from a CPU generator seeded with `seed`, in fixed-size chunks, so
// the same seed gives the same images on any device and memory stays bounded for any count.
#include <torch/torch.h>

#include "genai/models/gan.h"

namespace genai::models {

// `count` images [count, 1, 28, 28] in [-1, 1] on the CPU, from G in eval mode (BatchNorm running
// statistics, so each image depends only on its own noise). G's train/eval mode is restored afterwards.
torch::Tensor generate_images(Generator& generator, int64_t z_dim, int64_t count, uint64_t seed, torch::Device device);

}  // namespace genai::models
