#pragma once
// Choosing the compute device and the CPU thread settings, once, at start-up.
#include <torch/torch.h>

#include <string>

namespace genai::util {

// "auto" (CUDA when available), "cpu", "cuda" or "cuda:N". Throws UsageError for an unknown spec or
// a CUDA device that is not there.
torch::Device resolve_device(const std::string& spec);

// LibTorch intra-op threads (0: one per core). BLAS libraries with their own thread pool (OpenBLAS) are
// set to one thread, because their threads on top of LibTorch's oversubscribe the cores (measured:
// 3.7x slower MLP steps). Returns the number of LibTorch threads in use.
int configure_threads(int64_t requested);

// The BLAS library the process ended up with, e.g. "OpenBLAS 0.3.21" or "reference BLAS".
std::string blas_description();

// Keeps freed tensor memory in the process instead of returning it to the OS after every step
// (glibc's default trims and unmaps large blocks; a profile put a third of a small step in page faults).
void keep_freed_memory_in_process();

}  // namespace genai::util
