#include "genai/config.h"

#include <cctype>
#include <cstdlib>
#include <iterator>

#include "genai/config/schema.h"
#include "genai/error.h"

namespace genai {

ModelKind model_kind(std::string_view name) {
  if (const auto kind = find_member<ModelKind>(name)) return *kind;
  throw UsageError("model = \"" + std::string(name) + "\" is unknown; use " + model_kind_names());
}

TrainConfig model_defaults(ModelKind kind) {
  TrainConfig config;
  config.model.kind = kind;
  config.ema_decay = 0.999;  // every preset: the averaged G draws cleaner images at no cost to training
  switch (kind) {
    case ModelKind::kMlp:  // R1 keeps D's gradients on real images small: the MLP covers the digits without collapsing
      config.r1_gamma = 10;
      config.adam_d.lr = 8e-4;  // D 4x faster than G (as dcgan): the preset's 3.5x/5.1x of real became 3.2x/3.8x
      break;
    case ModelKind::kCmlp:  // and the conditional MLP's rarest class stops at 0 % accuracy without it
      config.r1_gamma = 10;
      config.adam_d.lr = 1e-4;
      break;
    case ModelKind::kDcgan:  // self-conditioned on k-means clusters with a fast G (docs/training.md)
      config.model.clusters = 100;
      config.mode_seeking = 1;
      config.adam_g.lr = 3.2e-3;
      config.adam_d.lr = 8e-4;
      break;
    case ModelKind::kCdcgan:  // a faster G, kept from within-class collapse by the mode-seeking term
      config.mode_seeking = 1;
      config.adam_g.lr = 4e-4;
      break;
  }
  return config;
}

namespace {

// The model's rules that tie fields together, or that a range cannot say.
void check_model_rules(const ModelConfig& model, std::vector<std::string>& problems) {
  if (model.g_hidden.empty() || model.d_hidden.empty()) problems.push_back("g-hidden and d-hidden need at least one layer size");
  if (model.info_codes == 1) problems.push_back("info-codes = 1 is no choice; use 0 (none) or at least 2, e.g. 10");
  if (model.info_codes > 0 && is_conditional(model.kind))
    problems.push_back(std::string("info-codes with model = \"") + name(model.kind) +
                       "\": the conditional models already take the class as their code; use --info-codes 0, or model mlp or dcgan");
  if (model.clusters == 1) problems.push_back("clusters = 1 is no choice; use 0 (none) or at least 2, e.g. 50");
  if (model.clusters > 0 && is_conditional(model.kind))
    problems.push_back(std::string("clusters with model = \"") + name(model.kind) +
                       "\": the conditional models are conditioned on the labels; use --clusters 0, or model mlp or dcgan");
  if (model.clusters > 0 && model.info_codes > 0) problems.push_back("clusters and info-codes both give G a discrete code; use one of them");
  if (model.channels == 2) problems.push_back("channels = 2 is not an image format; use 1 (grayscale), 3 (RGB) or 0 (the data's own)");
  if (model.image_size > 0 && model.image_size < 4) problems.push_back("image-size = " + std::to_string(model.image_size) + " must be at least 4");
  if (model.image_size > 0 && is_convolutional(model.kind) && conv_pyramid(model.image_size).stages == 0)
    problems.push_back("image-size = " + std::to_string(model.image_size) + " with model = \"" + name(model.kind) +
                       "\": the convolutional models halve the side down to 4 or 7; use 8, 14, 16, 28, 32, 56, 64, 112, 128 or 256");
  if (model.image_size > kMaxMlpImageSize && !is_convolutional(model.kind))
    problems.push_back("image-size = " + std::to_string(model.image_size) + " with model = \"" + name(model.kind) +
                       "\": the MLP models take at most " + std::to_string(kMaxMlpImageSize) + "; use a smaller size or model dcgan");
}

}  // namespace

void validate(const ModelConfig& model, std::vector<std::string>& problems) {
  // A default config around the model: only the model's own fields can break their checks.
  TrainConfig config;
  config.model = model;
  check_fields(config, problems);
  check_model_rules(model, problems);
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
  check_fields(config, problems);  // each number's range, from the schema
  // The rules that tie fields together, or that a range cannot say.
  check_model_rules(config.model, problems);
  if (!config.max_time.empty()) {
    try {
      if (parse_duration_seconds(config.max_time, "max-time") <= 0) problems.push_back("max-time = \"" + config.max_time + "\" must be positive");
    } catch (const UsageError& e) {
      problems.push_back(e.what());
    }
  }
  if (config.data.empty()) problems.push_back("data is empty; use mnist, fashion-mnist or a directory");
  if (config.batch_size == 1 && !is_convolutional(config.model.kind) && uses_batch_norm(config.model.g_norm))
    problems.push_back("batch-size = 1 with g-norm = \"batch\": BatchNorm needs at least 2 images per batch; use --g-norm none or a larger batch");
  if (config.batch_size == 1 && config.mode_seeking > 0)
    problems.push_back(
        "batch-size = 1 with mode-seeking: the term compares pairs of images in a batch; use a batch of at least 2 or --mode-seeking 0");
  throw_if_problems(problems);
}

}  // namespace genai
