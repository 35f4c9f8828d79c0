#include "resume_config.h"

#include <map>
#include <sstream>

#include "genai/error.h"

namespace genai::cli {
namespace {

// "key = value" lines of a TOML text, by key.
std::map<std::string, std::string> toml_values(const std::string& toml) {
  std::map<std::string, std::string> values;
  std::istringstream in(toml);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos && line[0] != '#') values[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return values;
}

bool is_resumable_key(const std::string& key) {
  for (const char* k : kResumableKeys)
    if (key == k) return true;
  return false;
}

}  // namespace

// The saved config with the safe changes the user asked for; anything else that differs is refused.
TrainConfig resumed_config(const TrainOptions& options, const std::string& saved_toml, const std::string& checkpoint_path) {
  const TrainConfig saved = parse_train_config(saved_toml);
  const auto saved_values = toml_values(to_toml(saved));
  const auto asked_values = toml_values(to_toml(options.config));
  std::vector<std::string> conflicts;
  TrainConfig merged = saved;
  for (const CLI::Option* option : options.command->get_options()) {
    const std::string key = option->get_single_name();
    if (option->count() == 0 || !saved_values.count(key)) continue;
    if (saved_values.at(key) == asked_values.at(key)) continue;
    if (!is_resumable_key(key)) {
      conflicts.push_back(key + " = " + asked_values.at(key) + " (the run has " + saved_values.at(key) + ")");
      continue;
    }
    // Copy the one safe field over.
    const TrainConfig& a = options.config;
    if (key == "steps") merged.steps = a.steps;
    else if (key == "epochs") merged.epochs = a.epochs;
    else if (key == "max-time") merged.max_time = a.max_time;
    else if (key == "log-every") merged.log_every = a.log_every;
    else if (key == "sample-every") merged.sample_every = a.sample_every;
    else if (key == "checkpoint-every") merged.checkpoint_every = a.checkpoint_every;
    else if (key == "keep-checkpoints") merged.keep_checkpoints = a.keep_checkpoints;
    else if (key == "threads") merged.threads = a.threads;
    else if (key == "device") merged.device = a.device;
    else if (key == "data-root") merged.data_root = a.data_root;
    else if (key == "on-nan") merged.on_nan = a.on_nan;
    else if (key == "eval-every") merged.eval_every = a.eval_every;
    else if (key == "eval-samples") merged.eval_samples = a.eval_samples;
    else if (key == "tensorboard") merged.tensorboard = a.tensorboard;
  }
  if (!conflicts.empty()) {
    std::string message = "--resume: ";
    for (size_t i = 0; i < conflicts.size(); ++i) message += (i ? ", " : "") + conflicts[i];
    throw UsageError(message + " contradict" + (conflicts.size() == 1 ? "s" : "") + " the saved config of " + checkpoint_path +
                     "; drop the flag, or start a new run (only steps, epochs, max-time, log, sample, checkpoint and eval intervals, eval-samples, tensorboard, "
                     "keep-checkpoints, threads, device, data-root and on-nan may change on resume)");
  }
  merged.out = options.config.out;
  return merged;
}

}  // namespace genai::cli
