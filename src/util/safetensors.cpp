#include "genai/util/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "genai/error.h"
#include "genai/util/atomic_file.h"

namespace genai::util {
namespace {

using nlohmann::json;

constexpr std::pair<torch::ScalarType, const char*> kDtypes[] = {
    {torch::kFloat32, "F32"}, {torch::kFloat64, "F64"}, {torch::kFloat16, "F16"}, {torch::kBFloat16, "BF16"}, {torch::kInt64, "I64"},
    {torch::kInt32, "I32"},   {torch::kInt16, "I16"},   {torch::kInt8, "I8"},     {torch::kUInt8, "U8"},      {torch::kBool, "BOOL"}};
constexpr size_t kAlignment = 8;  // the header is padded with spaces so the data starts 8-byte aligned

const char* dtype_name(torch::ScalarType type) {
  for (const auto& [t, name] : kDtypes)
    if (t == type) return name;
  return nullptr;
}

}  // namespace

void write_safetensors(const std::string& path, const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> cpu;
  size_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const char* dtype = dtype_name(tensor.scalar_type());
    if (!dtype)
      throw file_error(path,
                       "tensor \"" + name + "\" has a dtype safetensors cannot hold (" + std::string(c10::toString(tensor.scalar_type())) + ")");
    if (header.contains(name)) throw file_error(path, "tensor name \"" + name + "\" given twice");
    cpu.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const size_t bytes = cpu.back().nbytes();
    header[name] = {{"dtype", dtype}, {"shape", tensor.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((kAlignment - (sizeof(uint64_t) + text.size()) % kAlignment) % kAlignment, ' ');
  std::vector<uint8_t> file(sizeof(uint64_t) + text.size() + offset);
  const uint64_t header_size = text.size();
  std::memcpy(file.data(), &header_size, sizeof header_size);  // little-endian hosts only, as LibTorch's CPU tensors here
  std::memcpy(file.data() + sizeof header_size, text.data(), text.size());
  uint8_t* data = file.data() + sizeof header_size + text.size();
  for (const auto& tensor : cpu) {
    if (tensor.nbytes() > 0) std::memcpy(data, tensor.data_ptr(), tensor.nbytes());  // an empty tensor's data_ptr may be null
    data += tensor.nbytes();
  }
  write_file_atomically(path, file.data(), file.size());
}

SafetensorsContents read_safetensors(const std::string& path) {
  const auto file = read_file(path);
  auto bad = [&](const std::string& what) { return file_error(path, "not a valid safetensors file: " + what); };
  uint64_t header_size = 0;
  if (file.size() < sizeof header_size) throw bad("shorter than its 8-byte header length");
  std::memcpy(&header_size, file.data(), sizeof header_size);
  if (header_size > file.size() - sizeof header_size) throw bad("header length " + std::to_string(header_size) + " exceeds the file");
  json header;
  try {
    header = json::parse(file.begin() + sizeof header_size, file.begin() + static_cast<std::ptrdiff_t>(sizeof header_size + header_size));
  } catch (const json::exception& e) {
    throw bad(std::string("header is not JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw bad("header is not a JSON object");
  const uint8_t* data = file.data() + sizeof header_size + header_size;
  const size_t data_size = file.size() - sizeof header_size - header_size;
  SafetensorsContents contents;
  std::vector<std::pair<size_t, size_t>> ranges;
  try {
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        contents.metadata = entry.get<std::map<std::string, std::string>>();
        continue;
      }
      const auto dtype = entry.at("dtype").get<std::string>();
      const auto shape = entry.at("shape").get<std::vector<int64_t>>();
      const auto offsets = entry.at("data_offsets").get<std::vector<size_t>>();
      torch::ScalarType type = torch::kFloat32;
      bool known = false;
      for (const auto& [t, dtype_text] : kDtypes)
        if (dtype == dtype_text) type = t, known = true;
      if (!known) throw bad("tensor \"" + name + "\" has unknown dtype \"" + dtype + "\"");
      int64_t numel = 1;
      for (int64_t d : shape) {
        if (d < 0 || (d > 0 && numel > (int64_t{1} << 40) / d)) throw bad("tensor \"" + name + "\" has a bad shape");
        numel *= d;
      }
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size ||
          offsets[1] - offsets[0] != static_cast<size_t>(numel) * c10::elementSize(type))
        throw bad("tensor \"" + name + "\" has byte range that does not fit its shape or the file");
      auto tensor = torch::empty(shape, torch::TensorOptions().dtype(type));
      if (offsets[1] > offsets[0]) std::memcpy(tensor.data_ptr(), data + offsets[0], offsets[1] - offsets[0]);
      ranges.emplace_back(offsets[0], offsets[1]);
      contents.tensors.emplace_back(name, tensor);
    }
  } catch (const json::exception& e) {
    throw bad(std::string("malformed header entry (") + e.what() + ")");
  }
  // File order, and the ranges must tile the data exactly (as the reference reader demands).
  std::vector<size_t> order(ranges.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ranges[a] < ranges[b]; });  // (start, end): empty ones first
  size_t expected = 0;
  NamedTensors ordered;
  for (size_t i : order) {
    if (ranges[i].first != expected) throw bad("tensor byte ranges overlap or leave gaps");
    expected = ranges[i].second;
    ordered.push_back(contents.tensors[i]);
  }
  if (expected != data_size) throw bad("tensor data does not cover the file");
  contents.tensors = std::move(ordered);
  return contents;
}

}  // namespace genai::util
