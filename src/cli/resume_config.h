#pragma once
// The config of a resumed run: the run's saved config, with only the changes that are safe to make
// mid-run taken from the command line (see kResumableKeys); any other difference is a UsageError.
#include <string>

#include "genai/config.h"
#include "train_command.h"

namespace genai::cli {

TrainConfig resumed_config(const TrainOptions& options, const std::string& saved_toml, const std::string& checkpoint_path);

}  // namespace genai::cli
