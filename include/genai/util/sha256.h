#pragma once
// SHA-256 (FIPS 180-4), for keying the eval classifier cache by the exact data files it was trained on.
#include <cstddef>
#include <cstdint>
#include <string>

namespace genai::util {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  // The digest as 64 lowercase hex digits; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(const std::string& bytes);
// Streams the file; throws genai::RuntimeError("<path>: ...") when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace genai::util
