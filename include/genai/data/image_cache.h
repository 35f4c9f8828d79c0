#pragma once
// The decoded images of a folder, cached in one file so that a folder of 100k JPEGs is decoded once: uint8 images
// [N, C, S, S] and their labels, keyed by the folder's listing (every file's path, size and modification time), the
// transform (size, channels) and the bad-file policy. A file of another key, a damaged or truncated one (its CRC-32C
// is checked) reads as absent, and the images are decoded again. Written atomically.
#include <optional>
#include <string>

#include "genai/data/image_folder.h"

namespace genai::data {

// The cache's file for a folder and transform in `cache_dir`; one per folder and transform, rewritten when stale.
std::string image_cache_path(const std::string& cache_dir, const std::string& folder, const ImageTransform& transform);
// What the cache's content must match.
std::string image_cache_key(const FolderListing& listing, const ImageTransform& transform, bool skip_bad_files);

struct CachedImages {
  ImageSet set;
  int64_t bad_skipped = 0;
};
std::optional<CachedImages> read_image_cache(const std::string& path, const std::string& key);
void write_image_cache(const std::string& path, const std::string& key, const CachedImages& images);

}  // namespace genai::data
