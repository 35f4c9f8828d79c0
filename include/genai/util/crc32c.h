#pragma once
// CRC-32C (Castagnoli), the checksum of TFRecord framing (TensorBoard event files).
#include <cstddef>
#include <cstdint>

namespace genai::util {

// Standard CRC-32C of `size` bytes, continuing from `crc` (0 to start): crc32c("123456789") = 0xE3069283.
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

// TFRecord's masked form: rotate right by 15 and add 0xa282ead8 (so a CRC of bytes that embed CRCs stays strong).
uint32_t masked_crc32c(const void* data, size_t size);

}  // namespace genai::util
