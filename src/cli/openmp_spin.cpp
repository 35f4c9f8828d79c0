#include "openmp_spin.h"

#include <unistd.h>

#include <cstdlib>

namespace genai::cli {

const char* bounded_spin_count(ModelKind kind) { return is_convolutional(kind) ? "1000" : "10000"; }

void restart_with_bounded_openmp_spin(char** argv, const char* spin_count, const TrainConfig& config) {
  if (argv == nullptr || std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;  // the user's, or done
  if (config.threads == 1) return;                  // no parallel regions, nothing spins
  if (config.device.rfind("cuda", 0) == 0) return;  // the step runs on the GPU
  if (::setenv("GOMP_SPINCOUNT", spin_count, 1) != 0) return;
  ::execv("/proc/self/exe", argv);  // returns only on failure: then run on with libgomp's default
  ::unsetenv("GOMP_SPINCOUNT");
}

}  // namespace genai::cli
