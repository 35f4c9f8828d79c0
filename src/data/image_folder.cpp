#include "genai/data/image_folder.h"

#include <ATen/Parallel.h>
#include <stb_image.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "genai/data/image_transform.h"
#include "genai/error.h"
#include "genai/util/atomic_file.h"
#include "genai/util/format.h"
#include "genai/util/sha256.h"

namespace genai::data {
namespace fs = std::filesystem;
namespace {

bool is_image_name(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "bmp";
}

bool is_jpeg_name(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.size() > 4 && (lower.compare(lower.size() - 4, 4, ".jpg") == 0 || lower.compare(lower.size() - 5, 5, ".jpeg") == 0);
}

struct Walker {
  explicit Walker(FolderListing& l) : listing(l) {}
  FolderListing& listing;
  std::set<std::pair<dev_t, ino_t>> visited;           // directories entered (through links too): a loop ends at the second visit
  std::vector<std::pair<std::string, int64_t>> found;  // relative path, first-level folder index (-1: at the top)
  std::vector<std::string> top_folders;

  void walk(const fs::path& dir, const std::string& relative, int64_t top) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !visited.insert({st.st_dev, st.st_ino}).second) return;
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end; it.increment(ec))
      entries.push_back(*it);
    if (ec) throw file_error(dir.string(), "cannot be listed: " + ec.message());
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
    for (const auto& entry : entries) {
      const std::string name = entry.path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (name != kCacheFolderName) ++listing.hidden_skipped;  // genai's own cache is no user file
        continue;
      }
      const std::string rel = relative.empty() ? name : relative + "/" + name;
      if (entry.is_directory(ec)) {  // follows links; `visited` stops loops
        int64_t folder = top;
        if (relative.empty()) {
          folder = static_cast<int64_t>(top_folders.size());
          top_folders.push_back(name);
        }
        walk(entry.path(), rel, folder);
      } else if (entry.is_regular_file(ec) && is_image_name(name)) {
        found.emplace_back(rel, top);
      } else {
        ++listing.other_skipped;
      }
    }
  }
};

// stb_image's header read through the file: only the bytes it needs.
struct Header {
  int width = 0, height = 0, channels = 0;
  std::string problem;  // empty when readable and within the limits
};

Header read_header(const std::string& path) {
  Header h;
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    h.problem = "cannot be opened";
    return h;
  }
  if (std::fseek(f.get(), 0, SEEK_END) == 0 && std::ftell(f.get()) == 0) {
    h.problem = "is empty (0 bytes)";
    return h;
  }
  std::rewind(f.get());
  if (!stbi_info_from_file(f.get(), &h.width, &h.height, &h.channels)) {
    // stb_image refuses a PNG too large to decode without saying so ("unknown image type"): read its IHDR.
    uint8_t head[24];
    std::rewind(f.get());
    if (std::fread(head, 1, sizeof head, f.get()) == sizeof head && head[0] == 0x89 && head[1] == 'P' && std::memcmp(head + 12, "IHDR", 4) == 0) {
      auto be32 = [&](int at) { return (int64_t{head[at]} << 24) | (head[at + 1] << 16) | (head[at + 2] << 8) | head[at + 3]; };
      if (be32(16) > kMaxDecodeSide || be32(20) > kMaxDecodeSide || be32(16) * be32(20) > kMaxDecodePixels) {
        h.problem = util::format("claims {}x{} pixels, beyond genai's limit of {} per side and {} megapixels in all", be32(16), be32(20),
                                 kMaxDecodeSide, kMaxDecodePixels >> 20);
        return h;
      }
    }
    h.problem = std::string("is not a PNG, JPEG or BMP image stb_image can read (") + stbi_failure_reason() + ")";
    return h;
  }
  if (h.width > kMaxDecodeSide || h.height > kMaxDecodeSide || int64_t{h.width} * h.height > kMaxDecodePixels)
    h.problem = util::format("claims {}x{} pixels, beyond genai's limit of {} per side and {} megapixels in all", h.width, h.height, kMaxDecodeSide,
                             kMaxDecodePixels >> 20);
  return h;
}

// Decodes one file into `out` (size x size x channels, CHW). Returns the problem, or "" when it worked.
std::string decode_one(const std::string& path, int64_t size, int64_t channels, uint8_t* out) {
  std::vector<uint8_t> bytes;
  try {
    bytes = util::read_file(path);
  } catch (const RuntimeError&) {
    return "cannot be read";
  }
  if (bytes.empty()) return "is empty (0 bytes)";
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) return "is larger than 2 GiB";
  // stb_image decodes what it can of a JPEG cut short and fills the rest; a complete JPEG ends with its EOI marker
  // (FF D9), possibly followed by padding or appended data, so look for it near the end.
  if (is_jpeg_name(path)) {
    const size_t tail = std::min<size_t>(bytes.size(), 4096);
    bool eoi = false;
    for (size_t i = bytes.size() - tail; i + 1 < bytes.size(); ++i) eoi |= bytes[i] == 0xFF && bytes[i + 1] == 0xD9;
    if (!eoi) return "is a truncated JPEG (no end-of-image marker)";
  }
  int w = 0, h = 0, n = 0;
  if (!stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &n))
    return std::string("is not a PNG, JPEG or BMP image stb_image can read (") + stbi_failure_reason() + ")";
  if (w > kMaxDecodeSide || h > kMaxDecodeSide || int64_t{w} * h > kMaxDecodePixels)
    return util::format("claims {}x{} pixels, beyond genai's limit of {} per side and {} megapixels in all", w, h, kMaxDecodeSide,
                        kMaxDecodePixels >> 20);
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &n, 0),
                                                   &stbi_image_free);
  if (!pixels) return std::string("cannot be decoded (stb_image: ") + stbi_failure_reason() + ")";
  // Alpha composited on white: c' = (c a + 255 (255 - a)) / 255, rounded.
  const int colour = n >= 3 ? 3 : 1;
  std::vector<uint8_t> flat;
  const uint8_t* source = pixels.get();
  if (n == 2 || n == 4) {
    const int64_t count = int64_t{w} * h;
    flat.resize(static_cast<size_t>(count * colour));
    for (int64_t i = 0; i < count; ++i) {
      const int a = source[i * n + n - 1];
      for (int c = 0; c < colour; ++c)
        flat[static_cast<size_t>(i * colour + c)] = static_cast<uint8_t>((source[i * n + c] * a + 255 * (255 - a) + 127) / 255);
    }
    source = flat.data();
  }
  transform_image(PixelBuffer{w, h, colour, source}, size, channels, out);
  return "";
}

std::string fix_hint() { return "; fix or remove it, or pass --skip-bad-images to skip such files"; }

}  // namespace

FolderListing list_image_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError("--data " + dir + ": not a directory");
  FolderListing listing;
  listing.root = dir;
  Walker walker(listing);
  walker.walk(dir, "", -1);
  std::sort(walker.found.begin(), walker.found.end());
  bool all_in_folders = !walker.found.empty();
  for (const auto& [path, folder] : walker.found) all_in_folders &= folder >= 0;
  std::map<int64_t, int64_t> class_of_folder;  // folders that hold images, in name order, numbered from 0
  if (all_in_folders) {
    for (const auto& [path, folder] : walker.found) class_of_folder.emplace(folder, 0);
    int64_t next = 0;
    for (auto& [folder, index] : class_of_folder) {
      index = next++;
      listing.class_names.push_back(walker.top_folders[static_cast<size_t>(folder)]);
    }
    listing.labelled = true;
  }
  util::Sha256 hash;
  for (const auto& [path, folder] : walker.found) {
    listing.files.push_back(path);
    listing.labels.push_back(all_in_folders ? class_of_folder[folder] : 0);
    struct stat st {};
    const std::string full = (fs::path(dir) / path).string();
    if (::stat(full.c_str(), &st) != 0) throw file_error(full, "cannot be read");
    const std::string line = util::format("{}\t{}\t{}.{}\n", path, static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec),
                                          static_cast<int64_t>(st.st_mtim.tv_nsec));
    hash.update(line.data(), line.size());
  }
  listing.fingerprint = hash.hex_digest();
  return listing;
}

FolderImages decode_image_folder(const FolderListing& listing, const ImageTransform& transform, bool skip_bad_files,
                                 const std::function<void(const std::string&)>& progress) {
  const int64_t n = static_cast<int64_t>(listing.files.size());
  auto full = [&](int64_t i) { return (fs::path(listing.root) / listing.files[static_cast<size_t>(i)]).string(); };
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

  // Headers first (a few hundred bytes each): the bombs and unreadable files are found before anything is decoded,
  // and the images' own side is known.
  std::vector<Header> headers(static_cast<size_t>(n));
  at::parallel_for(0, n, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) headers[static_cast<size_t>(i)] = read_header(full(i));
  });
  FolderImages result;
  std::vector<char> keep(static_cast<size_t>(n), 1);
  auto reject = [&](int64_t i, const std::string& problem) {
    if (!skip_bad_files) throw file_error(full(i), problem + fix_hint());
    keep[static_cast<size_t>(i)] = 0;
    if (result.bad_skipped++ == 0) result.first_bad = full(i) + ": " + problem;
  };
  std::set<int64_t> sides;
  for (int64_t i = 0; i < n; ++i) {
    const auto& h = headers[static_cast<size_t>(i)];
    if (!h.problem.empty()) {
      reject(i, h.problem);
      continue;
    }
    sides.insert(std::min(h.width, h.height));
  }
  if (sides.empty())
    throw file_error(listing.root, "none of its " + std::to_string(n) + " image files could be decoded (first: " + result.first_bad + ")");
  int64_t size = transform.size;
  if (size == 0) {
    if (sides.size() > 1)
      throw UsageError(
          util::format("--data {}: the images come in {} sizes (shorter sides {} to {} pixels); choose the training size with --image-size, "
                       "e.g. --image-size 32 or 64 (each image is centre-cropped to a square and resized)",
                       listing.root, sides.size(), *sides.begin(), *sides.rbegin()));
    size = *sides.begin();
  }
  const int64_t channels = transform.channels > 0 ? transform.channels : 3;
  const int64_t values = channels * size * size;

  // Then decode, in parallel, a chunk at a time (progress between chunks, from this thread).
  auto images = torch::empty({n, channels, size, size}, torch::kUInt8);
  uint8_t* out = images.data_ptr<uint8_t>();
  std::vector<std::string> problems(static_cast<size_t>(n));
  const int64_t chunk = 512;
  for (int64_t first = 0; first < n; first += chunk) {
    const int64_t last = std::min(n, first + chunk);
    at::parallel_for(first, last, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        if (keep[static_cast<size_t>(i)]) problems[static_cast<size_t>(i)] = decode_one(full(i), size, channels, out + i * values);
    });
    for (int64_t i = first; i < last; ++i)
      if (keep[static_cast<size_t>(i)] && !problems[static_cast<size_t>(i)].empty()) reject(i, problems[static_cast<size_t>(i)]);
    if (progress && n >= 2000 && last < n)
      progress(
          util::format("decoding {}: {}/{} images ({:.0f} %), {:.1f} s", listing.root, last, n, 100.0 * static_cast<double>(last) / n, seconds()));
  }
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < n; ++i)
    if (keep[static_cast<size_t>(i)]) kept.push_back(i);
  if (kept.empty())
    throw file_error(listing.root, "none of its " + std::to_string(n) + " image files could be decoded (first: " + result.first_bad + ")");
  auto labels = torch::tensor(listing.labels, torch::kInt64);
  if (static_cast<int64_t>(kept.size()) < n) {
    const auto index = torch::tensor(kept, torch::kInt64);
    images = images.index_select(0, index);
    labels = labels.index_select(0, index);
  }
  result.set.images = images.contiguous();
  result.set.labels = labels;
  result.set.labelled = listing.labelled;
  result.set.class_names = listing.class_names;
  result.set.classes = listing.labelled ? static_cast<int64_t>(listing.class_names.size()) : 0;
  if (progress)
    progress(util::format("decoded {} images from {} into {}x{}x{} in {:.1f} s", kept.size(), listing.root, channels, size, size, seconds()));
  return result;
}

}  // namespace genai::data
