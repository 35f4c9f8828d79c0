#pragma once
// Turns `--data mnist | fashion-mnist | DIR` into the IDX file paths, accepting raw or .gz files.
#include <string>
#include <vector>

namespace genai::data {

struct IdxFiles {
  std::string train_images;
  std::string train_labels;
  std::string test_images;
  std::string test_labels;
};

// `spec` is "mnist", "fashion-mnist" (looked up under `data_root`) or a directory. Throws
// genai::RuntimeError naming the missing file and how to get it.
IdxFiles locate_dataset(const std::string& spec, const std::string& data_root, bool need_test_split);

// The class names of a known dataset ("fashion-mnist": T-shirt/top ... Ankle boot); empty for others
// (MNIST's classes are their digits).
std::vector<std::string> known_class_names(const std::string& spec);

}  // namespace genai::data
