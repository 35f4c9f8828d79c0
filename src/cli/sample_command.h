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
  std::string out;         // default: grid.png (png); required for --format idx
  std::string individual;  // directory for one PNG per image
  std::string device = "auto";
  std::string format = "png";     // png | idx | folder
  bool gzip = false;              // idx: write .gz files
  int64_t only_class = -1;        // --class K (conditional models)
  bool class_grid = false;        // one row per class, the same z in each column
  std::string interpolate;        // "A:B[,C:D...]": slerp between the latents of seeds
  std::string interpolate_class;  // "A:B": fixed z, interpolated label embedding (conditional models)
  int64_t steps = 10;             // images per interpolation row
  int64_t rows = 4;               // rows of --interpolate-class (one z each)
  bool no_ema = false;
  Verbosity verbosity;
};

CLI::App* add_sample_command(CLI::App& app, SampleOptions& options);
int run_sample(const SampleOptions& options);

}  // namespace genai::cli
