#pragma once
// Every image source `--data` accepts, read into one form: uint8 images [N, C, S, S] with labels.
//   mnist | fashion-mnist | a directory with IDX files   (genai/data/idx.h; 1x28x28)
//   a directory with CIFAR-10 or CIFAR-100 binary batches (genai/data/cifar.h; 3x32x32)
//   any other directory: a folder of PNG, JPEG and BMP images (genai/data/image_folder.h), decoded once and cached
// The source is detected from the files. --image-size and --channels then crop, resize and convert every set the
// same way (genai/data/image_transform.h).
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "genai/data/idx.h"
#include "genai/image_shape.h"

namespace genai::data {

enum class SourceKind { kIdx, kCifar, kFolder };
const char* name(SourceKind kind);  // "IDX files", "CIFAR batches", "image folder"

struct ImageSet {
  torch::Tensor images;                  // uint8 [N, C, S, S], CPU, contiguous
  torch::Tensor labels;                  // int64 [N], CPU; all 0 when unlabelled
  bool labelled = false;                 // IDX and CIFAR files; folders whose images all lie in class subfolders
  int64_t classes = 0;                   // labelled: one more than the largest label the source can hold
  std::vector<std::string> class_names;  // where the source names its classes (CIFAR's meta file, folder names)
  int64_t size() const { return images.size(0); }
  ImageShape shape() const { return {images.size(1), images.size(2)}; }
};

// What the user asked for; 0 keeps the data's own (a folder of mixed sizes has none: --image-size is then required).
struct ImageTransform {
  int64_t size = 0;
  int64_t channels = 0;
};

struct LoadOptions {
  ImageTransform transform;
  // The caller needs labels (a conditional model): an unlabelled folder is refused before anything is decoded.
  bool require_labels = false;
  // Folders: skip files that cannot be decoded (counted and reported) instead of stopping at the first.
  bool skip_bad_files = false;
  // Folders: where the decoded images are cached; empty: <folder>/.genai-cache (a hidden folder the reader skips).
  std::string cache_dir;
  // Lines for the log: decoding progress, skipped files, the cache's use. Called on the calling thread.
  std::function<void(const std::string&)> progress;
};

// IDX images and labels as a set (bytes copied). Throws RuntimeError naming `source_name` unless they are 28x28 and
// at least one.
ImageSet idx_image_set(const LabeledImages& source, const std::string& source_name);

// Which reader a --data value needs (mnist and fashion-mnist are IDX under data_root). Throws UsageError for a
// path that is neither a known name nor a directory.
SourceKind detect_source(const std::string& spec, const std::string& data_root);

// The training images of `spec`, transformed as asked. Throws RuntimeError naming the file and the fix.
ImageSet load_training_images(const std::string& spec, const std::string& data_root, const LoadOptions& options);

// The held-out images of `spec`, transformed as asked: IDX's t10k files (required) and CIFAR's test batch (when the
// directory has it); none for an image folder, which has no split. Throws RuntimeError naming the file.
std::optional<ImageSet> load_test_images(const std::string& spec, const std::string& data_root, const LoadOptions& options);

}  // namespace genai::data
