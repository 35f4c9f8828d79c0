#include "genai/data/image_cache.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "genai/error.h"
#include "genai/util/atomic_file.h"
#include "genai/util/crc32c.h"
#include "genai/util/sha256.h"

namespace genai::data {
namespace fs = std::filesystem;
namespace {

constexpr char kMagic[16] = "genai-images-v1";  // 15 characters and the terminator: the format's version is in it
constexpr size_t kKeySize = 64;                 // SHA-256 in hex

void put_i64(std::string& out, int64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

}  // namespace

std::string image_cache_path(const std::string& cache_dir, const std::string& folder, const ImageTransform& transform) {
  std::error_code ec;
  const std::string absolute = fs::weakly_canonical(fs::absolute(folder), ec).string();
  const std::string name =
      util::sha256_hex(absolute + "\n" + std::to_string(transform.size) + "x" + std::to_string(transform.channels)).substr(0, 16);
  return (fs::path(cache_dir) / ("images-" + name + ".cache")).string();
}

std::string image_cache_key(const FolderListing& listing, const ImageTransform& transform, bool skip_bad_files) {
  return util::sha256_hex(listing.fingerprint + "\nsize " + std::to_string(transform.size) + "\nchannels " + std::to_string(transform.channels) +
                          "\nskip " + (skip_bad_files ? "1" : "0") + "\nbackground white, area resize v1\n");
}

std::optional<CachedImages> read_image_cache(const std::string& path, const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  uint32_t crc = 0;
  auto read = [&](void* data, size_t size) {
    if (!in.read(static_cast<char*>(data), static_cast<std::streamsize>(size))) return false;
    crc = util::crc32c(data, size, crc);
    return true;
  };
  char magic[16];
  char stored_key[kKeySize];
  int64_t n = 0, c = 0, s = 0, labelled = 0, classes = 0, names_size = 0, bad = 0;
  if (!read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0) return std::nullopt;
  if (!read(stored_key, kKeySize) || std::string(stored_key, kKeySize) != key) return std::nullopt;
  for (int64_t* v : {&n, &c, &s, &labelled, &classes, &names_size, &bad})
    if (!read(v, sizeof *v)) return std::nullopt;
  if (n <= 0 || (c != 1 && c != 3) || s <= 0 || s > 4096 || names_size < 0 || names_size > (int64_t{1} << 24)) return std::nullopt;
  std::error_code ec;
  const auto file_size = static_cast<int64_t>(fs::file_size(path, ec));
  const int64_t expected = static_cast<int64_t>(sizeof magic + kKeySize) + 7 * 8 + names_size + n * 8 + n * c * s * s + 4;
  if (ec || file_size != expected) return std::nullopt;
  std::string names(static_cast<size_t>(names_size), '\0');
  if (!read(names.data(), names.size())) return std::nullopt;
  CachedImages cached;
  cached.bad_skipped = bad;
  cached.set.labels = torch::empty({n}, torch::kInt64);
  cached.set.images = torch::empty({n, c, s, s}, torch::kUInt8);
  if (!read(cached.set.labels.data_ptr<int64_t>(), static_cast<size_t>(n * 8))) return std::nullopt;
  if (!read(cached.set.images.data_ptr<uint8_t>(), static_cast<size_t>(n * c * s * s))) return std::nullopt;
  uint32_t stored_crc = 0;
  if (!in.read(reinterpret_cast<char*>(&stored_crc), sizeof stored_crc) || stored_crc != crc) return std::nullopt;
  cached.set.labelled = labelled != 0;
  cached.set.classes = classes;
  for (size_t start = 0; start < names.size();) {
    const size_t end = names.find('\n', start);
    cached.set.class_names.push_back(names.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return cached;
}

void write_image_cache(const std::string& path, const std::string& key, const CachedImages& images) {
  const auto& set = images.set;
  std::string names;
  for (size_t i = 0; i < set.class_names.size(); ++i) names += (i ? "\n" : "") + set.class_names[i];
  std::string head(kMagic, sizeof kMagic);
  head += key;
  for (int64_t v : {set.size(), set.shape().channels, set.shape().size, int64_t{set.labelled}, set.classes, static_cast<int64_t>(names.size()),
                    images.bad_skipped})
    put_i64(head, v);
  head += names;
  const auto labels = set.labels.to(torch::kInt64).contiguous();
  const auto pixels = set.images.contiguous();
  const size_t label_bytes = static_cast<size_t>(labels.numel()) * 8, pixel_bytes = static_cast<size_t>(pixels.numel());
  uint32_t crc = util::crc32c(head.data(), head.size());
  crc = util::crc32c(labels.data_ptr<int64_t>(), label_bytes, crc);
  crc = util::crc32c(pixels.data_ptr<uint8_t>(), pixel_bytes, crc);
  fs::create_directories(fs::path(path).parent_path());
  util::write_via_temp_file(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(head.data(), static_cast<std::streamsize>(head.size()));
    out.write(reinterpret_cast<const char*>(labels.data_ptr<int64_t>()), static_cast<std::streamsize>(label_bytes));
    out.write(reinterpret_cast<const char*>(pixels.data_ptr<uint8_t>()), static_cast<std::streamsize>(pixel_bytes));
    out.write(reinterpret_cast<const char*>(&crc), sizeof crc);
    if (!out.flush()) throw file_error(tmp, "could not be written (disk full?)");
  });
}

}  // namespace genai::data
