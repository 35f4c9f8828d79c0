#pragma once
// Reader and writer for the IDX format of MNIST and Fashion-MNIST (LeCun's "idx3-ubyte" images and
// "idx1-ubyte" labels), raw or gzip-compressed. Every header field is validated before any buffer
// is allocated, so a damaged or hostile file gives a one-line genai::RuntimeError, never a crash
// or an allocation larger than the file can justify.
#include <cstdint>
#include <string>
#include <vector>

namespace genai::data {

// An unsigned-byte IDX array: dims (e.g. {60000, 28, 28} or {60000}) and its bytes in row-major order.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
  int64_t count() const { return dims.empty() ? 0 : dims[0]; }
};

// Reads an IDX file of unsigned bytes with the given rank (3 for images, 1 for labels). A name ending
// in ".gz" is decompressed. Throws genai::RuntimeError("<path>: <problem>").
IdxArray read_idx(const std::string& path, int expected_rank);

// Writes an IDX file of unsigned bytes (gzip-compressed when the name ends in ".gz"), atomically.
void write_idx(const std::string& path, const IdxArray& array);

// Images and labels read together, with their counts checked against each other.
struct LabeledImages {
  IdxArray images;  // {n, rows, cols}
  IdxArray labels;  // {n}
};
LabeledImages read_labeled_images(const std::string& images_path, const std::string& labels_path);

}  // namespace genai::data
