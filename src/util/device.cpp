#include "genai/util/device.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "genai/error.h"

namespace genai::util {

torch::Device resolve_device(const std::string& spec, int local_rank) {
  if (spec == "auto" && !torch::cuda::is_available()) return torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec == "auto" || spec == "cuda" || spec.rfind("cuda:", 0) == 0) {
    int64_t index = spec.size() > 5 ? 0 : local_rank;
    if (spec.size() > 5) {
      const std::string digits = spec.substr(5);
      if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError("device = \"" + spec + "\" is not valid; use auto, cpu, cuda or cuda:N");
      index = std::stoll(digits);
    }
    if (!torch::cuda::is_available())
      throw UsageError("device = \"" + spec + "\" but no CUDA device is available to this LibTorch build; use --device cpu");
    const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (index >= count && spec.size() <= 5)
      throw UsageError("process " + std::to_string(local_rank) + " on this machine would take cuda:" + std::to_string(index) + " but only " +
                       std::to_string(count) + " CUDA device(s) exist; start at most " + std::to_string(count) + " processes per machine");
    if (index >= count)
      throw UsageError("device = \"" + spec + "\" but only " + std::to_string(count) +
                       " CUDA device(s) exist; use cuda:0 .. cuda:" + std::to_string(count - 1));
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw UsageError("device = \"" + spec + "\" is not valid; use auto, cpu, cuda or cuda:N");
}

namespace {

using SetThreads = void (*)(int);
SetThreads openblas_set_threads() { return reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")); }

}  // namespace

CoreSplit core_split_for(bool convolutional_model) { return convolutional_model ? CoreSplit::kLibTorch : CoreSplit::kBlas; }

std::string ThreadPlan::describe() const {
  auto plural = [](int n) { return std::to_string(n) + (n == 1 ? " thread" : " threads"); };
  return std::to_string(cores) + (cores == 1 ? " core" : " cores") + ": LibTorch " + plural(intra_op) + ", BLAS " + plural(blas);
}

ThreadPlan plan_threads(int64_t requested, CoreSplit split) {
  ThreadPlan plan;
  plan.cores = requested > 0 ? static_cast<int>(requested) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (split == CoreSplit::kBlas && openblas_set_threads() != nullptr) {
    plan.blas = plan.cores;
  } else {
    plan.intra_op = plan.cores;
  }
  return plan;
}

void configure_cpu(const ThreadPlan& plan) {
  torch::set_num_threads(plan.intra_op);
  if (auto set_openblas = openblas_set_threads()) set_openblas(plan.blas);
  at::globalContext().setFlushDenormal(true);
}

int parallel_for_threads() {
  const int64_t chunks = at::get_num_threads();
  std::vector<int> ran(static_cast<size_t>(chunks), 0);
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) ran[static_cast<size_t>(i)] = at::get_thread_num();
  });
  std::sort(ran.begin(), ran.end());
  return static_cast<int>(std::unique(ran.begin(), ran.end()) - ran.begin());
}

std::string blas_description() {
  // The torch wheel links MKL statically into libtorch_cpu (no sgemm_ to look up): name it from the build
  // settings, e.g. "Intel(R) oneAPI Math Kernel Library Version 2024.2-Product Build ...".
  if (at::hasMKL()) {
    const std::string config = at::show_config();
    const auto pos = config.find("Math Kernel Library Version ");
    if (pos != std::string::npos) {
      const auto start = pos + 28;
      return "Intel MKL " + config.substr(start, config.find_first_of(" -\n", start) - start) + " (linked into LibTorch)";
    }
    return "Intel MKL (linked into LibTorch)";
  }
  // The library that actually provides sgemm_ (the one LibTorch calls), which need not be the only BLAS
  // loaded: Debian's LAPACK alternative can pull in OpenBLAS while libblas.so.3 is the reference BLAS.
  Dl_info info{};
  void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  if (!sgemm || !dladdr(sgemm, &info) || !info.dli_fname) return "unknown";
  std::error_code ec;
  const auto resolved = std::filesystem::canonical(info.dli_fname, ec);  // through Debian's alternatives symlinks
  const std::string library = ec ? info.dli_fname : resolved.string();
  using GetConfig = char* (*)();
  auto config = reinterpret_cast<GetConfig>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  if (library.find("openblas") != std::string::npos && config) return config();  // "OpenBLAS 0.3.21 ..."
  return library + " (install libopenblas0-pthread for ~10x faster CPU matrix products)";
}

void keep_all_freed_memory_in_process() {
  mallopt(M_MMAP_MAX, 0);  // every block from the heap, so a freed one is reused by the next batch
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

void keep_freed_memory_in_process() {
  // 32 MiB is the largest threshold glibc accepts on 64-bit; every per-step buffer of our models is smaller.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace genai::util
