#pragma once
// The pictures `genai sample` draws from a generator, as one library call: plain images, a class grid, seed
// interpolations, class interpolations. Each gives the images and the number of columns its grid has.
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "genai/config.h"
#include "genai/models/gan.h"

namespace genai::models {

struct SamplePlan {
  enum class Mode {
    kImages,            // `count` images from noise `seed` (conditional: balanced classes, or all `only_class`)
    kClassGrid,         // one row per class, the same `nrow` noise vectors in every row
    kInterpolate,       // one row per seed pair: `steps` images along the slerp between their latents
    kInterpolateClass,  // `rows` noise vectors, each a row of `steps` images from class A's embedding to B's
  };
  Mode mode = Mode::kImages;
  int64_t count = 64;
  int64_t nrow = 8;
  uint64_t seed = 0;
  int64_t only_class = -1;  // kImages, kInterpolate (conditional models): this class only; -1: all
  std::vector<std::pair<int64_t, int64_t>> seed_pairs;
  std::pair<int64_t, int64_t> class_pair{0, 0};
  int64_t steps = 8;
  int64_t rows = 4;
};

struct SamplePage {
  torch::Tensor images;  // [N, 1, 28, 28] in [-1, 1], on the CPU
  int64_t columns = 8;
  std::string description;  // what the rows are, for the log ("" when nothing to say)
};

// Throws UsageError naming the flag when the plan does not fit the model: a class mode on an unconditional
// model, a class out of range. `source` names the checkpoint in the message.
void check_sample_plan(const SamplePlan& plan, const ModelConfig& model, const std::string& source);

// Draws the plan's images with G in eval mode (restored afterwards); the same plan and weights give the same
// pixels on every call.
SamplePage draw_samples(Generator& generator, const ModelConfig& model, const SamplePlan& plan, torch::Device device);

}  // namespace genai::models
