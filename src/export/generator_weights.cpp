#include "genai/export/generator_weights.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "genai/config/schema.h"
#include "genai/models/conditional.h"
#include "genai/util/safetensors.h"

namespace genai::exporting {
namespace {

// A model field's key in the spec: its TOML key with '_' for '-' ("z-dim" -> "z_dim"), and "kind" for "model", the
// keys genai_torch.py and users have read since format version 1.
std::string spec_key(const TrainField& field) {
  std::string key = field.key;
  if (key == "model") return "kind";
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

// The field's value as JSON: numbers, booleans and lists as they are, closed sets as their spelling.
nlohmann::json spec_value(const TrainField& field, const TrainConfig& config) {
  return visit_value(field, config, [](const auto& value) -> nlohmann::json {
    if constexpr (std::is_enum_v<std::decay_t<decltype(value)>>)
      return name(value);
    else
      return value;
  });
}

}  // namespace

std::string generator_spec_json(const ModelConfig& model, const GeneratorExportInfo& info) {
  TrainConfig config;
  config.model = with_image_shape(model);
  nlohmann::json spec;
  for (const TrainField* field : model_fields()) spec[spec_key(*field)] = spec_value(*field, config);
  // Set from the training labels (no schema fields), and what follows from the fields.
  spec["classes"] = is_conditional(model.kind) ? model.classes : 0;
  spec["class_names"] = model.class_names;
  spec["label_embedding_dim"] = is_conditional(model.kind) || model.info_codes > 0 || model.clusters > 0 ? models::kLabelEmbeddingDim : 0;
  spec["image_shape"] = {image_shape(model).channels, image_shape(model).size, image_shape(model).size};
  spec["output_range"] = {-1, 1};
  spec["format"] = "genai-generator";
  spec["format_version"] = kGeneratorExportVersion;
  spec["genai_version"] = GENAI_VERSION;
  spec["step"] = info.step;
  spec["ema"] = info.ema;
  return spec.dump();
}

size_t export_generator(const std::string& path, models::Generator& generator, const ModelConfig& model, const GeneratorExportInfo& info) {
  util::NamedTensors tensors;
  for (const auto& item : generator.named_parameters()) tensors.emplace_back(item.key(), item.value());
  for (const auto& item : generator.named_buffers()) tensors.emplace_back(item.key(), item.value());
  // "format": "pt" is the key Hugging Face's loaders look for; "genai" is what genai_torch.py reads.
  util::write_safetensors(path, tensors, {{"format", "pt"}, {"genai", generator_spec_json(model, info)}});
  return tensors.size();
}

}  // namespace genai::exporting
