#pragma once
// CIFAR's binary batches, as their authors distribute them (the "binary version" archives):
//   CIFAR-10:  data_batch_1.bin ... data_batch_5.bin (training) and test_batch.bin, records of 1 label byte (0-9)
//              and 3,072 image bytes (the 32x32 red plane, then green, then blue); batches.meta.txt names the classes.
//   CIFAR-100: train.bin and test.bin, records of a coarse and a fine label byte (the fine one, 0-99, is the class)
//              and the same 3,072 bytes; fine_label_names.txt names the classes.
// Every file is checked (a whole number of records, labels in range) before its records are used.
#include <string>

#include "genai/data/image_set.h"

namespace genai::data {

// Whether `dir` holds CIFAR-10 or CIFAR-100 binary batches.
bool is_cifar_directory(const std::string& dir);

// The training records (all data_batch_*.bin, or train.bin), or the test records. Throws RuntimeError naming the file.
ImageSet read_cifar(const std::string& dir, bool test_split);

}  // namespace genai::data
