#pragma once
// Two trainings on the same cores: LibTorch's OpenMP threads (GNU libgomp, in both LibTorch flavours) spin
// while they wait for work, up to GOMP_SPINCOUNT = 300,000 iterations by default, before they sleep. Alone,
// that keeps the gaps between parallel regions short; two processes on the same cores spend each other's time
// slices spinning (two DCGAN trainings on 2 cores: each at 7 % of its solo speed). libgomp reads the setting
// once, when it loads, before main(); so `genai train` starts itself again, once, with a bounded spin count,
// unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT (which then win). docs/speed.md has the measurements
// (scripts/bench-concurrent.sh) behind the two counts.
#include <string>

#include "genai/config.h"

namespace genai::cli {

// The spin count a training of this model runs with: short for the convolutional models, whose many parallel
// regions per step are where two processes collide; longer for the MLPs, which run on BLAS's own threads.
const char* bounded_spin_count(ModelKind kind);

// Returns at once when nothing needs to change (the user's variables are set, or one thread, or a GPU run) or
// the restart failed (genai then runs as it is); otherwise replaces the process by the same command line
// with GOMP_SPINCOUNT = `spin_count`. Call it before anything is written.
void restart_with_bounded_openmp_spin(char** argv, const char* spin_count, const TrainConfig& config);

}  // namespace genai::cli
