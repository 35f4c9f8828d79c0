#pragma once
// Choosing the compute device and the CPU thread settings, once, at start-up.
#include <torch/torch.h>

#include <string>

namespace genai::util {

// "auto" (CUDA when available), "cpu", "cuda" or "cuda:N". Throws UsageError for an unknown spec or
// a CUDA device that is not there. `local_rank` (data-parallel: the process's index on its machine) picks the
// GPU for "auto" and "cuda": cuda:local_rank.
torch::Device resolve_device(const std::string& spec, int local_rank = 0);

// Who gets the cores of a training step on the CPU. Never both: OpenBLAS's threads on top of LibTorch's
// oversubscribe the cores (measured 3.7x slower).
// - kLibTorch: LibTorch's intra-op threads = cores, BLAS one thread. Convolutions (oneDNN) split over
//   LibTorch's threads and call BLAS from inside them.
// - kBlas: LibTorch one thread, OpenBLAS's pool = cores. An MLP's time is in a few GEMMs, each handed to
//   BLAS as one call, so only BLAS can split them; LibTorch's threads would only split small elementwise
//   ops (and spin between them).
enum class CoreSplit { kLibTorch, kBlas };

// The split genai uses, from measurements on 2 cores (docs/speed.md): kBlas for MLPs, kLibTorch for
// the convolutional models. MLP at batch 256: 129 vs 88 it/s; at batch 64: 460 vs 300 it/s in two
// interleaved series, but 231 vs 288 in a third taken while the machine was busier (a BLAS thread that
// synchronises at every GEMM suffers most when its core is shared). DCGAN at batch 64: 15.9 vs 8.4 it/s.
CoreSplit core_split_for(bool convolutional_model);

struct ThreadPlan {
  int cores = 1;                 // the budget: --threads, or every core
  int intra_op = 1;              // LibTorch's intra-op threads
  int blas = 1;                  // OpenBLAS's threads (1 when the BLAS has no pool of its own)
  std::string describe() const;  // e.g. "2 cores: LibTorch 1 thread, BLAS 2 threads"
};

// Plans `requested` cores (0: one per core). Without a BLAS thread pool every split is kLibTorch.
ThreadPlan plan_threads(int64_t requested, CoreSplit split);
// Applies the plan and flushes denormals to zero (denormal arithmetic is up to 100x slower on x86, and
// GAN weights and Adam moments drift into that range).
void configure_cpu(const ThreadPlan& plan);

// How many threads an at::parallel_for in genai's own code really runs on now (at most LibTorch's intra-op
// threads). at::parallel_for is inline OpenMP: compiled without -fopenmp it silently runs on one thread.
int parallel_for_threads();

// The BLAS library the process ended up with, e.g. "OpenBLAS 0.3.21" or "reference BLAS".
std::string blas_description();

// Keeps freed tensor memory in the process instead of returning it to the OS after every step
// (glibc's default trims and unmaps large blocks; a profile put a third of a small step in page faults).
void keep_freed_memory_in_process();
// The same for blocks of any size (no block is mapped from the OS on its own), for commands whose batches allocate
// hundreds of MB at a time (genai eval's feature networks).
void keep_all_freed_memory_in_process();

}  // namespace genai::util
