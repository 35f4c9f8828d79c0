#pragma once
// Small result types shared by the evaluation metrics.
#include <cstdint>

namespace genai::eval {

// A figure measured over several subsets or splits: their mean and (population) standard deviation.
struct MeanStd {
  double mean = 0;
  double std = 0;
};

}  // namespace genai::eval
