#pragma once
// The generator a command reads: --checkpoint FILE or --run DIR (its newest valid checkpoint). Shared by
// sample, eval and export.
#include <CLI/CLI.hpp>
#include <string>

#include "genai/checkpoint.h"
#include "log.h"

namespace genai::cli {

// Registers --checkpoint and --run, which exclude each other.
void add_checkpoint_source_options(CLI::App& command, std::string& checkpoint, std::string& run);

// The checkpoint of --checkpoint FILE, or the newest valid one of --run DIR; each newer bad one is a warning.
Checkpoint open_checkpoint_source(const std::string& checkpoint, const std::string& run, torch::Device device, Log& log);

}  // namespace genai::cli
