#include "genai/data/image_set.h"

#include <ATen/Parallel.h>

#include <filesystem>

#include "genai/data/cifar.h"
#include "genai/data/idx.h"
#include "genai/data/image_cache.h"
#include "genai/data/image_folder.h"
#include "genai/data/image_transform.h"
#include "genai/data/locate.h"
#include "genai/error.h"
#include "genai/util/format.h"

namespace genai::data {
namespace fs = std::filesystem;
namespace {

bool has_idx_files(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "train-images-idx3-ubyte", ec) || fs::is_regular_file(dir / "train-images-idx3-ubyte.gz", ec);
}

// IDX and CIFAR sets come in one shape; convert them when another was asked.
ImageSet transformed(ImageSet set, const ImageTransform& transform) {
  const ImageShape own = set.shape();
  const ImageShape wanted{transform.channels > 0 ? transform.channels : own.channels, transform.size > 0 ? transform.size : own.size};
  if (wanted == own) return set;
  const int64_t n = set.size();
  auto out = torch::empty({n, wanted.channels, wanted.size, wanted.size}, torch::kUInt8);
  const auto in = set.images.contiguous();
  const uint8_t* src = in.data_ptr<uint8_t>();
  uint8_t* dst = out.data_ptr<uint8_t>();
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      transform_planar(src + i * own.values(), own.channels, own.size, own.size, wanted.size, wanted.channels, dst + i * wanted.values());
  });
  set.images = out;
  return set;
}

ImageSet load_folder(const std::string& dir, const LoadOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  const FolderListing listing = list_image_folder(dir);
  if (listing.files.empty())
    throw file_error(dir, util::format("holds no PNG, JPEG or BMP images ({} other files, {} hidden entries skipped); point --data at a folder of "
                                       "images, a directory of IDX files or of CIFAR batches",
                                       listing.other_skipped, listing.hidden_skipped));
  if (options.require_labels && !listing.labelled)
    throw file_error(dir,
                     "is an unlabelled image folder; a conditional model needs classes (a folder with one subfolder per class, every image "
                     "in one), or use an unconditional model");
  if (listing.other_skipped + listing.hidden_skipped > 0)
    say(util::format("{}: {} image files; skipped {} files of other kinds and {} hidden entries", dir, listing.files.size(), listing.other_skipped,
                     listing.hidden_skipped));
  const std::string cache_dir = options.cache_dir.empty() ? (fs::path(dir) / kCacheFolderName).string() : options.cache_dir;
  const std::string cache = image_cache_path(cache_dir, dir, options.transform);
  const std::string key = image_cache_key(listing, options.transform, options.skip_bad_files);
  if (auto cached = read_image_cache(cache, key)) {
    say(util::format("{} images from the cache {} (decoded earlier{})", cached->set.size(), cache,
                     cached->bad_skipped ? "; " + std::to_string(cached->bad_skipped) + " bad files skipped then" : std::string()));
    return std::move(cached->set);
  }
  FolderImages decoded = decode_image_folder(listing, options.transform, options.skip_bad_files, options.progress);
  if (decoded.bad_skipped > 0)
    say(util::format("--skip-bad-images: skipped {} files that could not be decoded, the first: {}", decoded.bad_skipped, decoded.first_bad));
  try {
    write_image_cache(cache, key, CachedImages{decoded.set, decoded.bad_skipped});
    say("cached the decoded images in " + cache);
  } catch (const std::exception& e) {  // a read-only data folder: decode again next time
    say(std::string("could not write the image cache (") + e.what() + "); pass --image-cache DIR to keep the decoded images");
  }
  return std::move(decoded.set);
}

}  // namespace

ImageSet idx_image_set(const LabeledImages& source, const std::string& source_name) {
  const auto& dims = source.images.dims;
  if (dims.size() != 3 || dims[1] != kMnistShape.size || dims[2] != kMnistShape.size)
    throw file_error(source_name, "images are " + std::to_string(dims.size() == 3 ? dims[1] : 0) + "x" +
                                      std::to_string(dims.size() == 3 ? dims[2] : 0) +
                                      "; IDX data must be 28x28 (for other sizes use a folder of images)");
  const int64_t n = dims[0];
  if (n == 0) throw file_error(source_name, "holds no images (empty dataset)");
  ImageSet set;
  set.images = torch::from_blob(const_cast<uint8_t*>(source.images.bytes.data()), {n, 1, dims[1], dims[2]}, torch::kUInt8).clone();
  set.labels = torch::from_blob(const_cast<uint8_t*>(source.labels.bytes.data()), {n}, torch::kUInt8).to(torch::kInt64);
  set.labelled = true;
  set.classes = set.labels.max().item<int64_t>() + 1;
  return set;
}

const char* name(SourceKind kind) {
  switch (kind) {
    case SourceKind::kIdx:
      return "IDX files";
    case SourceKind::kCifar:
      return "CIFAR batches";
    case SourceKind::kFolder:
      break;
  }
  return "image folder";
}

SourceKind detect_source(const std::string& spec, const std::string& data_root) {
  if (spec == "mnist" || spec == "fashion-mnist") return SourceKind::kIdx;
  std::error_code ec;
  if (!fs::is_directory(spec, ec))
    throw UsageError("--data " + spec + ": not a directory; use mnist, fashion-mnist, or a directory of IDX files, CIFAR batches or images");
  (void)data_root;
  if (has_idx_files(spec)) return SourceKind::kIdx;
  if (is_cifar_directory(spec)) return SourceKind::kCifar;
  return SourceKind::kFolder;
}

ImageSet load_training_images(const std::string& spec, const std::string& data_root, const LoadOptions& options) {
  switch (detect_source(spec, data_root)) {
    case SourceKind::kIdx: {
      const auto files = locate_dataset(spec, data_root, /*need_test_split=*/false);
      ImageSet set = idx_image_set(read_labeled_images(files.train_images, files.train_labels), files.train_images);
      set.class_names = known_class_names(spec);
      return transformed(std::move(set), options.transform);
    }
    case SourceKind::kCifar:
      return transformed(read_cifar(spec, /*test_split=*/false), options.transform);
    case SourceKind::kFolder:
      break;
  }
  return load_folder(spec, options);
}

std::optional<ImageSet> load_test_images(const std::string& spec, const std::string& data_root, const LoadOptions& options) {
  switch (detect_source(spec, data_root)) {
    case SourceKind::kIdx: {
      const auto files = locate_dataset(spec, data_root, /*need_test_split=*/true);
      ImageSet set = idx_image_set(read_labeled_images(files.test_images, files.test_labels), files.test_images);
      set.class_names = known_class_names(spec);
      return transformed(std::move(set), options.transform);
    }
    case SourceKind::kCifar: {
      std::error_code ec;
      const bool cifar10 = fs::is_regular_file(fs::path(spec) / "data_batch_1.bin", ec) || fs::is_regular_file(fs::path(spec) / "test_batch.bin", ec);
      if (!fs::is_regular_file(fs::path(spec) / (cifar10 ? "test_batch.bin" : "test.bin"), ec)) return std::nullopt;
      return transformed(read_cifar(spec, /*test_split=*/true), options.transform);
    }
    case SourceKind::kFolder:
      break;
  }
  return std::nullopt;
}

}  // namespace genai::data
