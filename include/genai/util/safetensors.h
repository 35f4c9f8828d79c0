#pragma once
// The safetensors format (what Hugging Face and PyTorch users load weights from): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range (plus a string-to-string
// "__metadata__" map), then the raw little-endian tensor bytes, back to back.
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace genai::util {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Writes atomically. Tensors go in the order given (any device; copied to the CPU). Throws RuntimeError
// for a dtype safetensors has no name for, or when the file cannot be written.
void write_safetensors(const std::string& path, const NamedTensors& tensors, const std::map<std::string, std::string>& metadata);

struct SafetensorsContents {
  std::map<std::string, std::string> metadata;
  NamedTensors tensors;  // in file order
};
// Reads and validates a whole file (header, dtypes, shapes, byte ranges covering the data exactly);
// throws RuntimeError "<path>: <problem>".
SafetensorsContents read_safetensors(const std::string& path);

}  // namespace genai::util
