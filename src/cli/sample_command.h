#pragma once
#include <CLI/CLI.hpp>

#include "common_options.h"

namespace genai::cli {

struct SampleOptions {
  std::string checkpoint;
  std::string run;
  int64_t count = 64;
  int64_t nrow = 8;
  uint64_t seed = 0;
  std::string out = "grid.png";
  std::string individual;  // directory for one PNG per image
  std::string device = "auto";
  Verbosity verbosity;
};

CLI::App* add_sample_command(CLI::App& app, SampleOptions& options);
int run_sample(const SampleOptions& options);

}  // namespace genai::cli
