#include "genai/data/idx.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "genai/error.h"
#include "genai/util/atomic_file.h"
#include "genai/util/format.h"

namespace genai::data {
namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
// Deflate cannot expand data by more than about 1032:1, so a .gz file of C bytes holds at most this many.
constexpr uint64_t kMaxDeflateRatio = 1032;
// No dimension of an image or label file is anywhere near this; a larger one is a corrupt header.
constexpr uint64_t kMaxDim = uint64_t{1} << 31;

std::string fmt_hex(uint8_t v) {
  const char* digits = "0123456789abcdef";
  return {digits[v >> 4], digits[v & 15]};
}

uint32_t big_endian_u32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]}; }

// A byte source over a raw or a gzip file, with an upper bound on how many bytes it can yield.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path) : path_(path), gz_(util::ends_with(path, ".gz")) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw file_error(path, "no such file");
    file_size_ = std::filesystem::file_size(path, ec);
    if (ec) throw file_error(path, "cannot read its size: " + ec.message());
    if (gz_) {
      gz_file_ = gzopen(path.c_str(), "rb");
      if (!gz_file_) throw file_error(path, "cannot open for reading");
    } else {
      raw_file_ = std::fopen(path.c_str(), "rb");
      if (!raw_file_) throw file_error(path, "cannot open for reading");
    }
  }
  ~ByteSource() {
    if (gz_file_) gzclose(gz_file_);
    if (raw_file_) std::fclose(raw_file_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // The most bytes the whole (decompressed) stream can hold, known before reading it.
  uint64_t max_total_bytes() const { return gz_ ? file_size_ * kMaxDeflateRatio + 64 : file_size_; }
  bool compressed() const { return gz_; }

  // Reads up to n bytes; returns how many were read. Throws on a damaged gzip stream.
  size_t read(uint8_t* out, size_t n) {
    if (!gz_) return std::fread(out, 1, n, raw_file_);
    size_t total = 0;
    while (total < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - total, 1u << 30));
      const int got = gzread(gz_file_, out + total, chunk);
      if (got < 0) {
        int errnum = 0;
        const char* msg = gzerror(gz_file_, &errnum);
        throw file_error(path_, std::string("corrupt gzip data (") + (msg ? msg : "unknown") + ")");
      }
      if (got == 0) break;
      total += static_cast<size_t>(got);
    }
    return total;
  }

 private:
  std::string path_;
  bool gz_;
  uint64_t file_size_ = 0;
  gzFile gz_file_ = nullptr;
  FILE* raw_file_ = nullptr;
};

}  // namespace

IdxArray read_idx(const std::string& path, int expected_rank) {
  ByteSource source(path);
  const char* kind = expected_rank == 3 ? "image" : "label";

  uint8_t magic[4];
  if (source.read(magic, 4) != 4) throw file_error(path, "truncated: shorter than the 4-byte IDX magic number");
  if (magic[0] != 0 || magic[1] != 0) {
    if (magic[0] == 0x1f && magic[1] == 0x8b && !source.compressed())
      throw file_error(path, "is gzip-compressed but its name does not end in .gz; rename it to end in .gz");
    throw file_error(path, "not an IDX file (bad magic number; expected 00 00 08 0" + std::to_string(expected_rank) + ")");
  }
  if (magic[2] != kUnsignedByteType)
    throw file_error(path, "unsupported IDX element type 0x" + fmt_hex(magic[2]) + " (genai reads unsigned-byte IDX files, type 0x08)");
  if (magic[3] != expected_rank)
    throw file_error(path, "IDX rank is " + std::to_string(magic[3]) + ", expected " + std::to_string(expected_rank) + " for an " + kind + " file");

  std::vector<uint8_t> header(4 * static_cast<size_t>(expected_rank));
  if (source.read(header.data(), header.size()) != header.size())
    throw file_error(path, "truncated: the header ends before its " + std::to_string(expected_rank) + " dimension sizes");

  IdxArray array;
  for (int i = 0; i < expected_rank; ++i) {
    const uint64_t dim = big_endian_u32(header.data() + 4 * i);
    if (dim == 0 && i > 0) throw file_error(path, "dimension " + std::to_string(i) + " is 0");
    if (dim >= kMaxDim) throw file_error(path, "dimension " + std::to_string(i) + " is " + std::to_string(dim) + ", too large to be real");
    array.dims.push_back(static_cast<int64_t>(dim));
  }
  // The product is checked against what the file can hold before it is formed, so it cannot overflow.
  const uint64_t header_bytes = 4 + header.size();
  const uint64_t capacity = source.max_total_bytes() > header_bytes ? source.max_total_bytes() - header_bytes : 0;
  uint64_t payload = 1;
  bool fits = true;
  for (int64_t dim : array.dims) {
    if (dim != 0 && payload > capacity / static_cast<uint64_t>(dim)) fits = false;
    if (!fits) break;
    payload *= static_cast<uint64_t>(dim);
  }
  if (!fits || payload > capacity) {
    std::string dims_text;
    for (size_t i = 0; i < array.dims.size(); ++i) dims_text += (i ? "x" : "") + std::to_string(array.dims[i]);
    throw file_error(path, "header declares " + dims_text + " but the file " +
                               (source.compressed() ? std::string("cannot hold that much even compressed")
                                                    : "holds only " + std::to_string(capacity) + " bytes after the header") +
                               " (truncated or corrupt file)");
  }

  // Read in bounded chunks: even a gzip header that lies costs no more memory than the data really present.
  constexpr size_t kChunk = size_t{1} << 20;
  while (array.bytes.size() < payload) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, payload - array.bytes.size()));
    const size_t old_size = array.bytes.size();
    array.bytes.resize(old_size + want);
    const size_t got = source.read(array.bytes.data() + old_size, want);
    array.bytes.resize(old_size + got);
    if (got < want) break;
  }
  if (array.bytes.size() < payload)
    throw file_error(path,
                     "truncated: header declares " + std::to_string(payload) + " bytes of data, file has " + std::to_string(array.bytes.size()));
  uint8_t extra;
  if (source.read(&extra, 1) != 0)
    throw file_error(path, "has more data than its header declares (" + std::to_string(payload) + " bytes); the file is corrupt");
  return array;
}

void write_idx(const std::string& path, const IdxArray& array) {
  std::vector<uint8_t> out;
  out.insert(out.end(), {0, 0, kUnsignedByteType, static_cast<uint8_t>(array.dims.size())});
  for (int64_t d : array.dims) {
    const auto u = static_cast<uint32_t>(d);
    out.insert(out.end(), {static_cast<uint8_t>(u >> 24), static_cast<uint8_t>(u >> 16), static_cast<uint8_t>(u >> 8), static_cast<uint8_t>(u)});
  }
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  if (!util::ends_with(path, ".gz")) {
    util::write_file_atomically(path, out.data(), out.size());
    return;
  }
  util::write_via_temp_file(path, [&](const std::string& tmp) {
    gzFile gz = gzopen(tmp.c_str(), "wb6");
    if (!gz) throw file_error(path, "cannot write");
    const bool ok = gzwrite(gz, out.data(), static_cast<unsigned>(out.size())) == static_cast<int>(out.size());
    if (gzclose(gz) != Z_OK || !ok) throw file_error(path, "write failed (disk full?)");
  });
}

LabeledImages read_labeled_images(const std::string& images_path, const std::string& labels_path) {
  LabeledImages result{read_idx(images_path, 3), read_idx(labels_path, 1)};
  if (result.images.count() != result.labels.count())
    throw file_error(labels_path, "holds " + std::to_string(result.labels.count()) + " labels but " + images_path + " holds " +
                                      std::to_string(result.images.count()) + " images; the two files must belong together");
  return result;
}

}  // namespace genai::data
