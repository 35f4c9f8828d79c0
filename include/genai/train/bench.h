#pragma once
// Timing of the real training step (Trainer::step, exactly what `genai train` runs) on random
// MNIST-shaped data resident on the device: warm-up excluded, then the median of several windows.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "genai/config.h"

namespace genai::train {

struct BenchSettings {
  double warmup_seconds = 1.0;
  double window_seconds = 3.0;
  int windows = 3;
};

struct BenchResult {
  std::string model;
  std::string g_norm;
  int64_t batch_size = 0;
  int64_t steps_per_window = 0;
  std::vector<double> window_it_per_s;  // one per window
  double it_per_s = 0;                  // median over windows
  double img_per_s = 0;
  double flops_per_step = 0;            // analytic, see step_flops
  double gflop_per_s = 0;
  double peak_rss_mb = 0;               // of the whole process so far
};

// Forward FLOPs of one network pass per image (multiply-adds count 2), from the layer shapes.
double generator_forward_flops(const ModelConfig& model);
double discriminator_forward_flops(const ModelConfig& model);

// FLOPs of one training step at batch B: G forward once (F_G); D forward on real, detached fake and fake
// again (3 F_D); the D step's backward, input and weight gradients (~2 x 2 F_D); the G step's backward
// through the frozen D, input gradients only (~F_D), and through G (~2 F_G). Total B (3 F_G + 8 F_D).
double step_flops(const ModelConfig& model, int64_t batch_size);

BenchResult benchmark_training_step(const TrainConfig& config, torch::Device device, const BenchSettings& settings);

double peak_rss_megabytes();

}  // namespace genai::train
