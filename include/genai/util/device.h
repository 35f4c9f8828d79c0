#pragma once
// Choosing the compute device and the CPU thread settings, once, at start-up.
#include <torch/torch.h>

#include <string>

namespace genai::util {

// "auto" (CUDA when available), "cpu", "cuda" or "cuda:N". Throws UsageError for an unknown spec or
// a CUDA device that is not there.
torch::Device resolve_device(const std::string& spec);

// How a step's work is parallelised on the CPU, which decides who gets the cores:
// - kMatrixProducts (MLPs): the time is in a handful of GEMMs per step. LibTorch hands each one to BLAS
//   as ONE call, so its own intra-op threads only split small elementwise ops (and spin between them);
//   the cores go to OpenBLAS's pool, LibTorch runs one thread.
// - kConvolutions (DCGAN, the eval classifier): LibTorch/oneDNN split each convolution over its intra-op
//   threads and call BLAS from inside them, so BLAS runs one thread.
// Never both: OpenBLAS's threads on top of LibTorch's oversubscribe the cores (measured 3.7x slower).
enum class Workload { kMatrixProducts, kConvolutions };
Workload workload_of(const std::string& model_kind);

struct ThreadPlan {
  int cores = 1;      // the budget: --threads, or every core
  int intra_op = 1;   // LibTorch's intra-op threads
  int blas = 1;       // OpenBLAS's threads (1 when the BLAS has no pool of its own)
  std::string describe() const;  // e.g. "2 cores: LibTorch 1 thread, BLAS 2 threads"
};

// Plans `requested` cores (0: one per core) for the workload. `split` overrides the plan for
// measurements: "torch" (cores to LibTorch), "blas" (cores to BLAS) or "" (by workload).
ThreadPlan plan_threads(int64_t requested, Workload workload, const std::string& split = "");
// Applies the plan and flushes denormals to zero (denormal arithmetic is up to 100x slower on x86, and
// GAN weights and Adam moments drift into that range).
void configure_cpu(const ThreadPlan& plan);

// The BLAS library the process ended up with, e.g. "OpenBLAS 0.3.21" or "reference BLAS".
std::string blas_description();

// Keeps freed tensor memory in the process instead of returning it to the OS after every step
// (glibc's default trims and unmaps large blocks; a profile put a third of a small step in page faults).
void keep_freed_memory_in_process();

}  // namespace genai::util
