#pragma once
#include <CLI/CLI.hpp>

#include "common_options.h"

namespace genai::cli {

struct ExportOptions {
  std::string checkpoint;
  std::string run;
  std::string out;
  bool no_ema = false;
  Verbosity verbosity;
};

CLI::App* add_export_command(CLI::App& app, ExportOptions& options);
int run_export(const ExportOptions& options);

}  // namespace genai::cli
