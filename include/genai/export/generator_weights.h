#pragma once
// A generator's weights as a safetensors file that Python PyTorch loads with scripts/genai_torch.py:
// every parameter and buffer under its LibTorch name (the names genai_torch.py's modules have too), and
// the model spec (kind, sizes, classes) as JSON in the header's metadata under "genai".
#include <string>

#include "genai/config.h"
#include "genai/models/gan.h"

namespace genai::exporting {

inline constexpr int64_t kGeneratorExportVersion = 1;

struct GeneratorExportInfo {
  int64_t step = 0;  // the training step the weights are from
  bool ema = false;  // whether they are the EMA weights
};

// The spec JSON stored in the metadata (also for tests).
std::string generator_spec_json(const ModelConfig& model, const GeneratorExportInfo& info);

// Writes `path` atomically; returns the number of tensors written.
size_t export_generator(const std::string& path, models::Generator& generator, const ModelConfig& model, const GeneratorExportInfo& info);

}  // namespace genai::exporting
