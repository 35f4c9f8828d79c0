#include "genai/util/seeded_init.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

namespace genai::util {

SeededInit::SeededInit(uint64_t seed) : generator_(at::detail::getDefaultCPUGenerator()) {
  std::lock_guard<std::mutex> lock(generator_.mutex());  // released before the layers draw (they take it per draw)
  saved_state_ = generator_.get_state();
  generator_.set_current_seed(seed);
}

SeededInit::~SeededInit() {
  std::lock_guard<std::mutex> lock(generator_.mutex());
  generator_.set_state(saved_state_);
}

}  // namespace genai::util
