#include "genai/util/cuda_sync_debug.h"

#include "genai/error.h"

// GENAI_WITH_CUDA is set for this file alone (CMakeLists.txt): a CPU LibTorch has no c10/cuda headers.
#if GENAI_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace genai::util {

bool cuda_sync_debug_available() { return GENAI_WITH_CUDA != 0; }

void set_cuda_sync_errors(bool on) {
#if GENAI_WITH_CUDA
  c10::cuda::warning_state().set_sync_debug_mode(on ? c10::cuda::SyncDebugMode::L_ERROR : c10::cuda::SyncDebugMode::L_DISABLED);
#else
  (void)on;
  throw UsageError("--cuda-sync-debug needs a genai built against a LibTorch with CUDA (scripts/build-gpu-server.sh)");
#endif
}

}  // namespace genai::util
