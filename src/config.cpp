#include "genai/config.h"

#include <cctype>
#include <cstdlib>
#include <sstream>

#include "genai/error.h"

namespace genai {
namespace {

std::string toml_double(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  std::string text = s.str();
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

void check_positive(std::vector<std::string>& problems, const char* key, int64_t value) {
  if (value < 1) problems.push_back(std::string(key) + " = " + std::to_string(value) + " must be at least 1");
}

void check_adam(std::vector<std::string>& problems, const std::string& net, const AdamConfig& adam) {
  if (!(adam.lr > 0 && adam.lr < 1)) problems.push_back("lr-" + net + " = " + toml_double(adam.lr) + " must be in (0, 1)");
  if (!(adam.beta1 >= 0 && adam.beta1 < 1)) problems.push_back("beta1-" + net + " = " + toml_double(adam.beta1) + " must be in [0, 1)");
  if (!(adam.beta2 >= 0 && adam.beta2 < 1)) problems.push_back("beta2-" + net + " = " + toml_double(adam.beta2) + " must be in [0, 1)");
}

}  // namespace

void validate(const ModelConfig& model, std::vector<std::string>& problems) {
  if (model.kind != "mlp" && model.kind != "dcgan" && model.kind != "cmlp" && model.kind != "cdcgan")
    problems.push_back("model = \"" + model.kind + "\" is unknown; use mlp, dcgan, cmlp or cdcgan");
  if (model.z_dim < 1 || model.z_dim > 4096) problems.push_back("z-dim = " + std::to_string(model.z_dim) + " must be in [1, 4096]");
  if (model.kind == "mlp" || model.kind == "cmlp") {
    if (model.g_hidden.empty() || model.d_hidden.empty()) problems.push_back("g-hidden and d-hidden need at least one layer size");
    for (int64_t h : model.g_hidden)
      if (h < 1 || h > 65536) problems.push_back("g-hidden size " + std::to_string(h) + " must be in [1, 65536]");
    for (int64_t h : model.d_hidden)
      if (h < 1 || h > 65536) problems.push_back("d-hidden size " + std::to_string(h) + " must be in [1, 65536]");
    if (model.g_norm != "batch" && model.g_norm != "none") problems.push_back("g-norm = \"" + model.g_norm + "\" is unknown; use batch or none");
  }
  if ((model.kind == "dcgan" || model.kind == "cdcgan") && (model.dcgan_channels < 1 || model.dcgan_channels > 4096))
    problems.push_back("dcgan-channels = " + std::to_string(model.dcgan_channels) + " must be in [1, 4096]");
}

double parse_duration_seconds(const std::string& text, const std::string& key) {
  const auto bad = [&] {
    return UsageError(key + " = \"" + text + "\" is not a duration; use e.g. 3h55m, 90m, 45s or 1d2h (plain numbers are seconds)");
  };
  if (text.empty()) throw bad();
  double total = 0;
  size_t i = 0;
  bool any_unit = false;
  while (i < text.size()) {
    size_t digits_end = i;
    while (digits_end < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits_end])) || text[digits_end] == '.')) ++digits_end;
    if (digits_end == i || digits_end - i > 12) throw bad();
    // strtod with its end checked, not stod: "." or "1.2.3" must be this message, not stod's exception.
    const std::string number = text.substr(i, digits_end - i);
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) throw bad();
    if (digits_end == text.size()) {
      if (any_unit) throw bad();  // "1h30" is ambiguous
      return value;
    }
    const char unit = text[digits_end];
    const double scale = unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60 : unit == 's' ? 1 : -1;
    if (scale < 0) throw bad();
    total += value * scale;
    any_unit = true;
    i = digits_end + 1;
  }
  return total;
}

void validate(const TrainConfig& config) {
  std::vector<std::string> problems;
  if (!config.max_time.empty()) {
    try {
      if (parse_duration_seconds(config.max_time, "max-time") <= 0) problems.push_back("max-time = \"" + config.max_time + "\" must be positive");
    } catch (const UsageError& e) {
      problems.push_back(e.what());
    }
  }
  if (config.on_nan != "stop" && config.on_nan != "rollback")
    problems.push_back("on-nan = \"" + config.on_nan + "\" is unknown; use stop or rollback");
  validate(config.model, problems);
  if (config.data.empty()) problems.push_back("data is empty; use mnist, fashion-mnist or a directory");
  if (config.threads < 0 || config.threads > 1024)
    problems.push_back("threads = " + std::to_string(config.threads) + " must be in [0, 1024] (0: one per core)");
  if (config.steps < 0) problems.push_back("steps = " + std::to_string(config.steps) + " must be at least 0 (0: use epochs)");
  if (config.epochs < 0) problems.push_back("epochs = " + std::to_string(config.epochs) + " must be at least 0");
  if (config.batch_size < 1 || config.batch_size > 65536)
    problems.push_back("batch-size = " + std::to_string(config.batch_size) + " must be in [1, 65536]");
  else if (config.batch_size == 1 && (config.model.kind == "mlp" || config.model.kind == "cmlp") && config.model.g_norm == "batch")
    problems.push_back("batch-size = 1 with g-norm = \"batch\": BatchNorm needs at least 2 images per batch; use --g-norm none or a larger batch");
  check_adam(problems, "g", config.adam_g);
  check_adam(problems, "d", config.adam_d);
  check_positive(problems, "log-every", config.log_every);
  if (config.sample_every < 0)
    problems.push_back("sample-every = " + std::to_string(config.sample_every) + " must be at least 0 (0: only at the end)");
  if (config.checkpoint_every < 0)
    problems.push_back("checkpoint-every = " + std::to_string(config.checkpoint_every) + " must be at least 0 (0: only at the end)");
  check_positive(problems, "keep-checkpoints", config.keep_checkpoints);
  if (!(config.ema_decay >= 0 && config.ema_decay < 1))
    problems.push_back("ema-decay = " + toml_double(config.ema_decay) + " must be in [0, 1) (0: no EMA generator)");
  if (config.eval_every < 0) problems.push_back("eval-every = " + std::to_string(config.eval_every) + " must be at least 0 (0: no quick evals)");
  if (config.eval_samples < 20 || config.eval_samples > 100000)
    problems.push_back("eval-samples = " + std::to_string(config.eval_samples) + " must be in [20, 100000]");
  if (config.sample_grid < 1 || config.sample_grid > 1024)
    problems.push_back("sample-grid = " + std::to_string(config.sample_grid) + " must be in [1, 1024]");
  throw_if_problems(problems);
}

}  // namespace genai
