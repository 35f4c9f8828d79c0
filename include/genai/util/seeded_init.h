#pragma once
// LibTorch's layers initialise their weights from its default CPU generator, and their constructors take no
// generator. A SeededInit seeds that generator for the construction of a model from the seed the caller passes, and
// puts the generator's state back when it goes out of scope: the weights follow the seed (bitwise as
// torch::manual_seed(seed) before the construction gave them), and the caller's own stream of the default
// generator is left as it was, so the library leaves no process-wide state behind. Not for concurrent use of the
// default generator from other threads while one is alive (LibTorch gives no per-thread default).
#include <ATen/core/Generator.h>

#include <cstdint>

namespace genai::util {

class SeededInit {
 public:
  explicit SeededInit(uint64_t seed);
  ~SeededInit();
  SeededInit(const SeededInit&) = delete;
  SeededInit& operator=(const SeededInit&) = delete;

 private:
  at::Generator generator_;
  at::Tensor saved_state_;
};

}  // namespace genai::util
