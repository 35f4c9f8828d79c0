#pragma once
// A folder of images as users have them: PNG, JPEG and BMP files (any letter case) found recursively, of mixed
// sizes and modes (gray, gray+alpha, RGB, RGBA, palette, 16-bit PNG; baseline and progressive JPEG), decoded with
// stb_image. Hidden files and folders (a leading '.') and files of other kinds are skipped and counted; symbolic
// links are followed, each directory once (a link loop ends there). When every image lies in a first-level
// subfolder, those subfolders are the classes (sorted by name, as torchvision's ImageFolder); otherwise the set is
// unlabelled. Transparent pixels are composited on WHITE (clip art and icons are drawn for a light page).
//
// Limits: a header claiming more than kMaxDecodeSide pixels on a side or kMaxDecodePixels in all is refused before
// anything is allocated (a decompression bomb costs nothing), as is a file that cannot be decoded, is empty or
// truncated: the run stops with one line naming the file, unless skip_bad_files skips and counts them.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "genai/data/image_set.h"

namespace genai::data {

inline constexpr int64_t kMaxDecodeSide = 16384;
inline constexpr const char* kCacheFolderName = ".genai-cache";  // the decoded-image cache's default place, inside the folder
inline constexpr int64_t kMaxDecodePixels = int64_t{64} << 20;   // 64 megapixels: 256 MiB as RGBA

struct FolderListing {
  std::string root;
  std::vector<std::string> files;        // relative to root, sorted bytewise
  std::vector<int64_t> labels;           // per file: the index of its class folder; 0 when unlabelled
  std::vector<std::string> class_names;  // the first-level subfolders holding images, when every image lies in one
  bool labelled = false;
  int64_t hidden_skipped = 0;  // hidden files and folders (a leading '.'), e.g. .DS_Store, .genai-cache
  int64_t other_skipped = 0;   // files that are not PNG, JPEG or BMP by their extension
  std::string fingerprint;     // SHA-256 over every image's path, size and modification time
};

// Lists `dir`. Throws UsageError when it is not a directory; an empty listing is the caller's to report.
FolderListing list_image_folder(const std::string& dir);

// Decodes the listed images into `transform`'s shape (size 0: the images' own side, which must then be one for
// all of them; channels 0: 3). Throws RuntimeError naming the first bad file (unless skip_bad_files), UsageError
// when the sizes differ and no size was asked.
struct FolderImages {
  ImageSet set;
  int64_t bad_skipped = 0;
  std::string first_bad;  // the first skipped file and why
};
FolderImages decode_image_folder(const FolderListing& listing, const ImageTransform& transform, bool skip_bad_files,
                                 const std::function<void(const std::string&)>& progress);

}  // namespace genai::data
