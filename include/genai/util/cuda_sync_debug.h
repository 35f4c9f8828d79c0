#pragma once
// CUDA's sync-debug mode (torch.cuda.set_sync_debug_mode in Python): while it is set to error, any operation
// that makes the host wait for the device (item(), a blocking copy to the host, nonzero(), a stream synchronize)
// throws. `genai train --cuda-sync-debug` sets it around every step after the first log interval, which proves
// that the hot loop never waits for the GPU (scripts/gpu-check.sh runs it on a lent GPU).

namespace genai::util {

// Whether this LibTorch has CUDA compiled in, i.e. whether set_cuda_sync_errors can work.
bool cuda_sync_debug_available();
// On: synchronising operations throw; off: the default (allowed, silent). Throws UsageError without CUDA.
void set_cuda_sync_errors(bool on);

}  // namespace genai::util
