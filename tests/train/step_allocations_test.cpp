// The hot loop's per-step allocations on the CPU, counted as operator-new calls (tests/allocation_tracker.h) in a
// steady-state step: a change that makes a step create more objects than the budget below fails here. The budgets are
// today's counts for each LibTorch (their dispatchers differ); lower them when a change removes allocations.
#include <gtest/gtest.h>
#include <torch/version.h>

#include "allocation_tracker.h"
#include "genai/data/dataset.h"
#include "genai/train/trainer.h"
#include "support.h"

namespace genai {
namespace {

size_t allocations_per_step(TrainConfig config) {
  config.batch_size = 16;
  torch::set_num_threads(1);  // the count is of this thread's calls: keep the work on it
  train::Trainer trainer(config, data::to_dataset(genai::testing::make_tiny_images(64), "tiny", torch::kCPU), torch::kCPU);
  for (int i = 0; i < 5; ++i) trainer.step();  // first-touch buffers, optimizer state
  testing::AllocationCount count;
  constexpr int kSteps = 4;
  for (int i = 0; i < kSteps; ++i) trainer.step();
  return count.calls() / kSteps;
}

struct Budget {
  const char* name;
  size_t torch1, torch2;  // LibTorch 1.x, 2.x
};

void expect_within(const char* name, size_t calls, const Budget& budget) {
  const size_t limit = TORCH_VERSION_MAJOR >= 2 ? budget.torch2 : budget.torch1;
  std::printf("%s: %zu allocations per steady-state step (budget %zu, LibTorch %s)\n", name, calls, limit, TORCH_VERSION);
  EXPECT_LE(calls, limit) << name << " allocates more per step than it did; find the new allocation or raise the budget with a reason";
  EXPECT_GT(calls, 0u) << "the counter saw nothing: it is not counting this thread's allocations";
}

// The DCGAN every DCGAN row starts from: 8 channels keep the count quick to take.
TrainConfig small_dcgan() {
  TrainConfig config;
  config.model.kind = ModelKind::kDcgan;
  config.model.dcgan_channels = 8;
  return config;
}

TEST(StepAllocations, MlpHandWrittenStep) {
  TrainConfig config;
  expect_within("mlp (hand-written step)", allocations_per_step(config), {"mlp", 92, 92});
}

TEST(StepAllocations, DcganAutogradStep) { expect_within("dcgan", allocations_per_step(small_dcgan()), {"dcgan", 4835, 8048}); }

TEST(StepAllocations, DcganWithAugmentAndEma) {
  TrainConfig config = small_dcgan();
  config.augment = Augment::kTranslationCutout;
  config.ema_decay = 0.99;
  expect_within("dcgan + augment + EMA", allocations_per_step(config), {"dcgan-augment", 5448, 8670});
}

TEST(StepAllocations, DcganWithClustersAndModeSeeking) {
  TrainConfig config = small_dcgan();
  config.model.clusters = 3;
  config.mode_seeking = 1;
  expect_within("dcgan + clusters + mode-seeking", allocations_per_step(config), {"dcgan-clusters", 5495, 8736});
}

TEST(StepAllocations, DcganWithInfoCodes) {
  TrainConfig config = small_dcgan();
  config.model.info_codes = 4;
  expect_within("dcgan + info codes", allocations_per_step(config), {"dcgan-info", 5267, 8504});
}

}  // namespace
}  // namespace genai
