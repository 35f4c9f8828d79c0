#pragma once
// What this binary was built against and what it runs with: `genai --version`, and the head of every log.
#include <string>

namespace genai::util {

struct BuildInfo {
  std::string genai_version;        // "0.1.0"
  std::string torch_built_against;  // the LibTorch headers at compile time, e.g. "2.15.0"
  std::string torch_running;        // the LibTorch library loaded now (its build settings), e.g. "2.15.0"
  bool cuda_compiled = false;       // a LibTorch with CUDA kernels was linked (the wheel flavour)
  std::string cuda_version;         // its CUDA and cuDNN versions, or "" without CUDA
  bool cuda_available = false;      // a driver and at least one device are usable now
  int cuda_devices = 0;
  std::string blas;  // the BLAS behind LibTorch's matrix products, e.g. "OpenBLAS 0.3.21 ..."
};

BuildInfo build_info();
// The multi-line text `genai --version` prints.
std::string describe(const BuildInfo& info);

}  // namespace genai::util
