#pragma once
#include <CLI/CLI.hpp>

#include "common_options.h"
#include "genai/eval/scorecard.h"

namespace genai::cli {

struct EvalOptions {
  std::string checkpoint;
  std::string run;
  std::string data;       // default: the data the checkpoint was trained on
  std::string data_root;  // default: the checkpoint's, else "data"
  std::string json;
  std::string classifier;
  bool retrain_classifier = false;
  int64_t classifier_epochs = eval::ClassifierRecipe{}.epochs;
  bool no_parzen = false;
  bool no_ema = false;
  bool tstr = false;
  std::string images;             // --images DIR: score these instead of a generator's samples
  std::string networks = "auto";  // --networks: auto, or a list of lenet, efficientnet-lite0, inception
  std::string inception;          // pytorch-fid's weights file
  std::string efficientnet;       // default: <data root>/networks/efficientnet-lite0-57934424.pth
  int64_t image_size = 0;         // read --images and --data at this side (0: their own)
  std::string save_features;
  int64_t feature_batch = 0;  // 0: the network's default
  std::string device = "auto";
  int64_t threads = 0;
  eval::EvalSettings settings;
  Verbosity verbosity;
};

CLI::App* add_eval_command(CLI::App& app, EvalOptions& options);
int run_eval(const EvalOptions& options);

}  // namespace genai::cli
