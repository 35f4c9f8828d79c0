#pragma once
// A synthetic data set from a generator that genai's --data reads back: IDX files (train-images-idx3-ubyte and, for
// conditional models, train-labels-idx1-ubyte, optionally .gz; 1x28x28 images only, as IDX readers expect), or a
// folder of PNGs in any shape (one subfolder per class for conditional models).
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "genai/models/gan.h"

namespace genai::exporting {

// Throws UsageError when `directory` already holds IDX training files (raw or .gz).
void check_export_directory(const std::string& directory);

// Generates `count` images in chunks (memory: about twice the output bytes, as the IDX writer assembles
// each file before writing it), with `labels` (int64 [count]) for a conditional G, else undefined. Writes
// each file atomically into `directory` (created if missing; a directory that already holds IDX training
// files is refused); for an unconditional G the labels file holds zeros, so --data DIR still loads it.
// Returns the paths written. `progress` gets a line about every 10 %.
std::vector<std::string> export_idx(models::Generator& generator, int64_t z_dim, const torch::Tensor& labels, int64_t count, uint64_t seed,
                                    torch::Device device, const std::string& directory, bool gzip,
                                    const std::function<void(const std::string&)>& progress);

// The same images (same seed, same noise) as PNG files 000000.png ... in `directory`, which must be new or empty;
// with labels, in one subfolder per class named by `class_names` (or the class index), as --data reads classes
// back. Each file is written atomically. Returns the directory.
std::string export_image_folder(models::Generator& generator, int64_t z_dim, const torch::Tensor& labels, int64_t count, uint64_t seed,
                                torch::Device device, const std::string& directory, const std::vector<std::string>& class_names,
                                const std::function<void(const std::string&)>& progress);

}  // namespace genai::exporting
