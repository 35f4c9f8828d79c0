#include "checkpoint_source.h"

#include <vector>

namespace genai::cli {

void add_checkpoint_source_options(CLI::App& command, std::string& checkpoint, std::string& run) {
  auto* file = command.add_option("--checkpoint", checkpoint, "Checkpoint file (.pt) of the generator");
  auto* directory = command.add_option("--run", run, "Run directory: its newest valid checkpoint");
  file->excludes(directory);
}

Checkpoint open_checkpoint_source(const std::string& checkpoint, const std::string& run, torch::Device device, Log& log) {
  if (!checkpoint.empty()) return Checkpoint::open(checkpoint, device);
  std::vector<std::string> skipped;
  auto newest = open_newest_valid_checkpoint(run, device, skipped);
  for (const auto& problem : skipped) log.warn("skipped a bad checkpoint: {}", problem);
  return newest;
}

}  // namespace genai::cli
