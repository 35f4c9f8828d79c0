#include "genai/export/generator_weights.h"

#include <nlohmann/json.hpp>

#include "genai/models/conditional.h"
#include "genai/util/safetensors.h"

namespace genai::exporting {

std::string generator_spec_json(const ModelConfig& model, const GeneratorExportInfo& info) {
  nlohmann::json spec = {
      {"format", "genai-generator"},
      {"format_version", kGeneratorExportVersion},
      {"genai_version", GENAI_VERSION},
      {"kind", name(model.kind)},
      {"z_dim", model.z_dim},
      {"g_hidden", model.g_hidden},
      {"g_norm", name(model.g_norm)},
      {"dcgan_channels", model.dcgan_channels},
      {"classes", is_conditional(model.kind) ? model.classes : 0},
      {"class_names", model.class_names},
      {"label_embedding_dim", is_conditional(model.kind) || model.info_codes > 0 || model.clusters > 0 ? models::kLabelEmbeddingDim : 0},
      {"info_codes", model.info_codes},
      {"clusters", model.clusters},
      {"image_shape", {image_shape(model).channels, image_shape(model).size, image_shape(model).size}},
      {"output_range", {-1, 1}},
      {"step", info.step},
      {"ema", info.ema},
  };
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
