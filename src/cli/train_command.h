#pragma once
#include <CLI/CLI.hpp>

#include "common_options.h"
#include "genai/config.h"

namespace genai::cli {

struct TrainOptions {
  TrainConfig config;
  bool print_config = false;
  bool resume = false;
  int64_t inject_nan_at_step = 0;  // hidden, for tests of --on-nan: poisons a G weight once after this step
  Verbosity verbosity;
  const CLI::App* command = nullptr;  // to ask which keys the flags or --config file gave (for --resume)
};

CLI::App* add_train_command(CLI::App& app, TrainOptions& options);
int run_train(const TrainOptions& options);

}  // namespace genai::cli
