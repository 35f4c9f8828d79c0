#pragma once
#include <CLI/CLI.hpp>

#include "common_options.h"
#include "genai/config.h"

namespace genai::cli {

struct TrainOptions {
  TrainConfig config;
  bool print_config = false;
  Verbosity verbosity;
};

CLI::App* add_train_command(CLI::App& app, TrainOptions& options);
int run_train(const TrainOptions& options);

}  // namespace genai::cli
