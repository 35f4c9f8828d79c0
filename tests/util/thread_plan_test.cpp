#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "genai/config.h"
#include "genai/util/device.h"

namespace genai::util {
namespace {

bool openblas_loaded() { return dlsym(RTLD_DEFAULT, "openblas_set_num_threads") != nullptr; }

TEST(ThreadPlan, MlpsGiveTheCoresToBlasConvolutionalModelsToLibTorch) {
  EXPECT_EQ(core_split_for(is_convolutional(ModelKind::kMlp)), CoreSplit::kBlas);
  EXPECT_EQ(core_split_for(is_convolutional(ModelKind::kCmlp)), CoreSplit::kBlas);
  EXPECT_EQ(core_split_for(is_convolutional(ModelKind::kDcgan)), CoreSplit::kLibTorch);
  EXPECT_EQ(core_split_for(is_convolutional(ModelKind::kCdcgan)), CoreSplit::kLibTorch);
}

TEST(ThreadPlan, NeverGivesTheCoresToBothPools) {
  const auto torch_plan = plan_threads(3, CoreSplit::kLibTorch);
  EXPECT_EQ(torch_plan.cores, 3);
  EXPECT_EQ(torch_plan.intra_op, 3);
  EXPECT_EQ(torch_plan.blas, 1);
  EXPECT_EQ(torch_plan.describe(), "3 cores: LibTorch 3 threads, BLAS 1 thread");

  const auto blas_plan = plan_threads(3, CoreSplit::kBlas);
  EXPECT_EQ(blas_plan.cores, 3);
  if (openblas_loaded()) {
    EXPECT_EQ(blas_plan.intra_op, 1);
    EXPECT_EQ(blas_plan.blas, 3);
    EXPECT_EQ(blas_plan.describe(), "3 cores: LibTorch 1 thread, BLAS 3 threads");
  } else {  // a BLAS without its own pool: the cores stay with LibTorch
    EXPECT_EQ(blas_plan.intra_op, 3);
    EXPECT_EQ(blas_plan.blas, 1);
  }
  EXPECT_EQ(plan_threads(1, CoreSplit::kBlas).describe(), "1 core: LibTorch 1 thread, BLAS 1 thread");
  EXPECT_GE(plan_threads(0, CoreSplit::kLibTorch).cores, 1);  // 0: every core
}

// genai's own at::parallel_for loops (FlatAdam's CPU update) run on the planned threads: they are compiled with
// OpenMP. Without it the plan's LibTorch threads are ignored there and this sees 1.
TEST(ThreadPlan, GenaisParallelLoopsUseTheLibTorchThreads) {
  const int before = at::get_num_threads();
  at::set_num_threads(2);
  EXPECT_EQ(parallel_for_threads(), 2);
  at::set_num_threads(1);
  EXPECT_EQ(parallel_for_threads(), 1);
  at::set_num_threads(before);
}

TEST(ThreadPlan, ConfigureAppliesTheLibTorchThreadsAndFlushesDenormals) {
  const int before = torch::get_num_threads();  // 1 under CTest (OMP_NUM_THREADS=1): go up first, then down
  const auto two = plan_threads(2, CoreSplit::kLibTorch);
  configure_cpu(two);
  EXPECT_EQ(torch::get_num_threads(), two.intra_op);
  configure_cpu(plan_threads(1, CoreSplit::kLibTorch));
  EXPECT_EQ(torch::get_num_threads(), 1);
  // 1e-40 is a float denormal: flushed to zero in arithmetic once FTZ/DAZ are on.
  volatile float tiny = 1e-40f;
  volatile float product = tiny * 1.0f;
  EXPECT_EQ(product, 0.0f);
  configure_cpu(plan_threads(before, CoreSplit::kLibTorch));
  at::globalContext().setFlushDenormal(false);
}

}  // namespace
}  // namespace genai::util
