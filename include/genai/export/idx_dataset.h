#pragma once
// A synthetic data set from a generator, as IDX files that genai (or any MNIST loader) reads back:
// train-images-idx3-ubyte and, for conditional models, train-labels-idx1-ubyte (optionally .gz).
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

}  // namespace genai::exporting
