#include "genai/data/cifar.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "genai/error.h"
#include "genai/util/atomic_file.h"

namespace genai::data {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kSide = 32, kImageBytes = 3 * kSide * kSide;

struct Layout {
  int64_t label_bytes;  // 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine)
  int64_t classes;
  std::vector<std::string> files;
  std::string names_file;
};

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

Layout layout_of(const fs::path& dir, bool test_split) {
  if (is_file(dir / "data_batch_1.bin") || is_file(dir / "test_batch.bin")) {
    Layout l{1, 10, {}, "batches.meta.txt"};
    if (test_split) {
      l.files.push_back((dir / "test_batch.bin").string());
    } else {
      for (int i = 1; is_file(dir / ("data_batch_" + std::to_string(i) + ".bin")); ++i)
        l.files.push_back((dir / ("data_batch_" + std::to_string(i) + ".bin")).string());
      if (l.files.empty())
        throw file_error((dir / "data_batch_1.bin").string(), "no such file; CIFAR-10's training batches are data_batch_1.bin ... data_batch_5.bin");
    }
    return l;
  }
  return Layout{2, 100, {(dir / (test_split ? "test.bin" : "train.bin")).string()}, "fine_label_names.txt"};
}

std::vector<std::string> read_names(const fs::path& path, int64_t classes) {
  std::vector<std::string> names;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (static_cast<int64_t>(names.size()) != classes) return {};  // absent or not this set's: numbered classes
  return names;
}

}  // namespace

bool is_cifar_directory(const std::string& dir) {
  const fs::path d(dir);
  return is_file(d / "data_batch_1.bin") || is_file(d / "test_batch.bin") || is_file(d / "train.bin");
}

ImageSet read_cifar(const std::string& dir, bool test_split) {
  const Layout layout = layout_of(dir, test_split);
  const int64_t record = layout.label_bytes + kImageBytes;
  std::vector<std::vector<uint8_t>> contents;
  int64_t total = 0;
  for (const auto& file : layout.files) {
    if (!is_file(file)) throw file_error(file, "no such file; a CIFAR directory holds the binary batches of the \"binary version\" archive");
    auto bytes = util::read_file(file);
    const int64_t size = static_cast<int64_t>(bytes.size());
    if (size == 0 || size % record != 0)
      throw file_error(file, std::to_string(size) + " bytes is not a whole number of " + std::to_string(record) + "-byte CIFAR-" +
                                 std::to_string(layout.classes) + " records (truncated or not a CIFAR batch); download the batch again");
    total += size / record;
    contents.push_back(std::move(bytes));
  }
  ImageSet set;
  set.images = torch::empty({total, 3, kSide, kSide}, torch::kUInt8);
  set.labels = torch::empty({total}, torch::kInt64);
  auto* images = set.images.data_ptr<uint8_t>();
  auto* labels = set.labels.data_ptr<int64_t>();
  int64_t at = 0;
  for (size_t f = 0; f < contents.size(); ++f) {
    const auto& bytes = contents[f];
    const int64_t n = static_cast<int64_t>(bytes.size()) / record;
    for (int64_t i = 0; i < n; ++i, ++at) {
      const uint8_t* r = bytes.data() + i * record;
      const int64_t label = r[layout.label_bytes - 1];
      if (label >= layout.classes)
        throw file_error(layout.files[f], "record " + std::to_string(i) + " has label " + std::to_string(label) + ", beyond CIFAR-" +
                                              std::to_string(layout.classes) + "'s " + std::to_string(layout.classes - 1) + "; the file is damaged");
      labels[at] = label;
      std::copy(r + layout.label_bytes, r + record, images + at * kImageBytes);
    }
  }
  set.labelled = true;
  set.classes = layout.classes;
  set.class_names = read_names(fs::path(dir) / layout.names_file, layout.classes);
  return set;
}

}  // namespace genai::data
