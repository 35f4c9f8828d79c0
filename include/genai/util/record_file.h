#pragma once
// genai's own container for tensors and metadata, used by checkpoints and by the eval classifier file.
// A 32-byte header (a 16-byte magic, payload length, CRC-32 of the payload, format version) is followed
// by named records (tensors, integers, doubles, strings, integer lists). Every length is checked against
// the bytes that remain before anything is allocated, so a damaged or hostile file gives a one-line
// genai::RuntimeError, never a crash; identical contents give identical bytes.
//
// Not LibTorch's archive: its reader parses TorchScript and crashed (SIGSEGV) on damaged archives in our
// mutation tests, and it writes memory addresses into the file.
#include <torch/torch.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

namespace genai::util {

// Which kind of file: its magic (exactly 16 characters), the format version this genai reads and
// writes, and the noun used in messages ("checkpoint").
struct RecordFormat {
  const char* magic;
  uint32_t version;  // what is written
  const char* noun;
  uint32_t oldest_readable = 0;  // the oldest version still read (0: only `version`)
};

class RecordWriter {
 public:
  void tensor(const std::string& name, const torch::Tensor& t);
  void integer(const std::string& name, int64_t v);
  void real(const std::string& name, double v);
  void text(const std::string& name, const std::string& s);
  void integers(const std::string& name, const std::vector<int64_t>& values);
  // Every parameter and buffer of `module`, as "<prefix>/<name>".
  void module(const std::string& prefix, const torch::nn::Module& module);
  const std::string& bytes() const { return bytes_; }

 private:
  template <typename T>
  void put(T value);
  void begin(const std::string& name, uint8_t kind);
  std::string bytes_;
};

using RecordValue = std::variant<torch::Tensor, int64_t, std::string, std::vector<int64_t>, double>;

// Parsed records of one file, with the file's path and noun for messages.
struct Records {
  std::string path;
  std::string noun;
  std::map<std::string, RecordValue> values;

  bool has(const std::string& name) const { return values.count(name) > 0; }
  // The record `name` of kind T; throws RuntimeError when it is missing or of another kind.
  template <typename T>
  const T& get(const std::string& name) const;
  // Copies "<prefix>/<name>" records into every parameter and buffer of `module`; throws when one is
  // missing, has another shape or type, or the file holds tensors the module does not have.
  void load_module(const std::string& prefix, torch::nn::Module& module) const;
};

// Header + payload, ready to be written (atomically) to a file.
std::vector<uint8_t> seal_records(const RecordFormat& format, const std::string& payload);
// Checks magic, version, length and CRC; returns the payload's (offset, length) or throws RuntimeError.
std::pair<size_t, size_t> verify_sealed(const RecordFormat& format, const std::string& path, const std::vector<uint8_t>& file);
// Parses a verified payload.
Records parse_records(const RecordFormat& format, const std::string& path, const uint8_t* data, size_t size);
// Reads, verifies and parses a whole file.
Records read_record_file(const RecordFormat& format, const std::string& path);

}  // namespace genai::util
