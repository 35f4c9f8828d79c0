#include "genai/util/build_info.h"

#include <ATen/Context.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "genai/util/device.h"

namespace genai::util {
namespace {

#define GENAI_STRINGIFY_(x) #x
#define GENAI_STRINGIFY(x) GENAI_STRINGIFY_(x)

// One "KEY=value" of LibTorch's build settings (at::show_config(), read from the loaded library, so it
// names the LibTorch that runs, which may differ from the headers genai was compiled with).
std::string build_setting(const std::string& config, const std::string& key) {
  const std::string needle = key + "=";
  for (size_t at = config.find(needle); at != std::string::npos; at = config.find(needle, at + 1)) {
    if (at > 0 && config[at - 1] != ' ' && config[at - 1] != ':') continue;  // CUDA_VERSION inside ..._CUDA_VERSION
    const size_t start = at + needle.size();
    const size_t end = config.find_first_of(",\n", start);
    return config.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  return "";
}

}  // namespace

BuildInfo build_info() {
  BuildInfo info;
  info.genai_version = GENAI_VERSION;
  info.torch_built_against = GENAI_STRINGIFY(TORCH_VERSION_MAJOR) "." GENAI_STRINGIFY(TORCH_VERSION_MINOR) "." GENAI_STRINGIFY(TORCH_VERSION_PATCH);
  const std::string config = at::show_config();
  info.torch_running = build_setting(config, "TORCH_VERSION");
  if (info.torch_running.empty()) info.torch_running = "unknown";
  info.cuda_compiled = at::hasCUDA() || build_setting(config, "USE_CUDA") == "1" || build_setting(config, "USE_CUDA") == "ON";
  if (info.cuda_compiled) {
    const std::string cuda = build_setting(config, "CUDA_VERSION"), cudnn = build_setting(config, "CUDNN_VERSION");
    info.cuda_version = "CUDA " + (cuda.empty() ? std::string("?") : cuda) + (cudnn.empty() ? "" : ", cuDNN " + cudnn);
  }
  info.cuda_available = torch::cuda::is_available();
  info.cuda_devices = info.cuda_available ? static_cast<int>(torch::cuda::device_count()) : 0;
  info.blas = blas_description();
  return info;
}

std::string describe(const BuildInfo& info) {
  std::string text = "genai " + info.genai_version + "\n";
  text += "LibTorch: built against " + info.torch_built_against + ", running " + info.torch_running + "\n";
  if (!info.cuda_compiled) {
    text += "CUDA: not compiled in (CPU-only LibTorch)\n";
  } else {
    text += "CUDA: compiled in (" + info.cuda_version + "); " +
            (info.cuda_available ? "available, " + std::to_string(info.cuda_devices) + " device(s)"
                                 : std::string("not available (no GPU or driver): --device auto uses the CPU")) +
            "\n";
  }
  text += "BLAS: " + info.blas + "\n";
  return text;
}

}  // namespace genai::util
