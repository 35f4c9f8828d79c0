#include "genai/data/locate.h"

#include <filesystem>

#include "genai/error.h"

namespace genai::data {
namespace fs = std::filesystem;
namespace {

std::string fetch_hint(const std::string& spec) {
  if (spec == "mnist" || spec == "fashion-mnist") return "; run scripts/get-data.sh " + spec + " (or pass --data DIR)";
  return "; the directory needs the standard IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
         "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), raw or .gz";
}

// The raw file if present, else its .gz twin, else an error.
std::string find_file(const fs::path& dir, const std::string& name, const std::string& spec) {
  std::error_code ec;
  if (fs::is_regular_file(dir / name, ec)) return (dir / name).string();
  if (fs::is_regular_file(dir / (name + ".gz"), ec)) return (dir / (name + ".gz")).string();
  throw file_error((dir / name).string(), "no such file (nor " + name + ".gz)" + fetch_hint(spec));
}

}  // namespace

IdxFiles locate_dataset(const std::string& spec, const std::string& data_root, bool need_test_split) {
  const bool named = spec == "mnist" || spec == "fashion-mnist";
  const fs::path dir = named ? fs::path(data_root) / spec : fs::path(spec);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (named) throw file_error(dir.string(), "dataset not found" + fetch_hint(spec));
    throw UsageError("--data " + spec + ": not a directory; use mnist, fashion-mnist or a directory holding IDX files");
  }
  IdxFiles files;
  files.train_images = find_file(dir, "train-images-idx3-ubyte", spec);
  files.train_labels = find_file(dir, "train-labels-idx1-ubyte", spec);
  if (need_test_split) {
    files.test_images = find_file(dir, "t10k-images-idx3-ubyte", spec);
    files.test_labels = find_file(dir, "t10k-labels-idx1-ubyte", spec);
  }
  return files;
}

std::vector<std::string> known_class_names(const std::string& spec) {
  if (spec == "fashion-mnist") return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  return {};
}

}  // namespace genai::data
