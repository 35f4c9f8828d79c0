#pragma once
#include <CLI/CLI.hpp>
#include <optional>

#include "common_options.h"
#include "genai/config/closed_set.h"

namespace genai::cli {

struct BenchOptions {
  std::string model = "all";  // mlp | dcgan | all
  int64_t batch_size = 0;     // 0: 1, 64 and 256
  int64_t image_size = 28;    // the images' side and channels (the model follows them)
  int64_t channels = 1;
  double seconds = 3.0;  // per window
  int windows = 3;
  double warmup = 1.0;
  int64_t threads = 0;
  std::string device = "auto";
  std::optional<GeneratorNorm> g_norm;  // mlp generator normalization; unset: batch, or none at batch 1 (BatchNorm needs 2 images)
  std::string json;
  bool lockstep = false;       // take turns with other benchmarks over stdin/stdout (scripts/bench_lockstep.py)
  bool keep_memory = true;     // hidden: measure the allocator setting
  std::string thread_split;    // hidden: "torch" or "blas" overrides the plan, to measure it
  bool autograd_step = false;  // hidden: measure the hand-written MLP step against autograd
  Verbosity verbosity;
};

CLI::App* add_bench_command(CLI::App& app, BenchOptions& options);
int run_bench(const BenchOptions& options);

}  // namespace genai::cli
