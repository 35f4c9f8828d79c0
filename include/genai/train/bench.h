#pragma once
// Timing of the real training step (Trainer::step, exactly what `genai train` runs) on random
// MNIST-shaped data resident on the device: warm-up excluded, then the median of several windows.
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "genai/config.h"

namespace genai::train {

struct BenchSettings {
  double warmup_seconds = 1.0;
  double window_seconds = 3.0;
  int windows = 3;
  bool hand_written_step = true;  // false: the MLP runs the autograd iteration (to measure MlpStep's effect)
  // Lockstep with other benchmark processes (scripts/bench_lockstep.py): when set, wait_turn is called before
  // the warm-up and before each window and returns when it is this process's turn; turn_done follows each
  // with its rate (window -1: the warm-up). This machine's speed drifts by up to 2x over minutes, so rates
  // are only comparable when the contenders' windows alternate.
  std::function<void()> wait_turn;
  std::function<void(int window, double it_per_s)> turn_done;
};

struct BenchResult {
  std::string model;
  std::string g_norm;
  int64_t batch_size = 0;
  ImageShape shape;  // of the images trained on
  int64_t steps_per_window = 0;
  std::vector<double> window_it_per_s;  // one per window
  double it_per_s = 0;                  // median over windows
  double img_per_s = 0;
  double flops_per_step = 0;  // analytic, see step_flops
  double gflop_per_s = 0;
  double peak_rss_mb = 0;  // of the whole process so far
};

// Forward FLOPs of one network pass per image (multiply-adds count 2), from the layer shapes.
double generator_forward_flops(const ModelConfig& model);
double discriminator_forward_flops(const ModelConfig& model);

// The first layer's share of those (its input gradient is never needed).
double generator_first_layer_flops(const ModelConfig& model);
double discriminator_first_layer_flops(const ModelConfig& model);

// FLOPs of the matrix products one training step needs at batch B, per image: G forward once (F_G); D
// forward on real and fake (2 F_D); the D step's weight gradients (2 F_D) and input gradients below the
// first layer (2 (F_D - F_D1)); the G step's D forward (F_D) and input gradients through the frozen D
// (F_D); G's weight gradients (F_G) and input gradients below its first layer (F_G - F_G1).
// Total B (3 F_G - F_G1 + 8 F_D - 2 F_D1).
double step_flops(const ModelConfig& model, int64_t batch_size);

BenchResult benchmark_training_step(const TrainConfig& config, torch::Device device, const BenchSettings& settings);

double peak_rss_megabytes();

}  // namespace genai::train
