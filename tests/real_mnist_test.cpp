// Needs the real MNIST that scripts/get-data.sh fetches into data/mnist: skipped without it, except in CI,
// where it fails.
#include <gtest/gtest.h>

#include <filesystem>

#include "genai/data/dataset.h"
#include "genai/data/locate.h"
#include "genai/train/trainer.h"
#include "support.h"

namespace genai {
namespace {

TEST(RealMnist, LoadsAllSplitsWithKnownStatisticsAndTrains) {
  const auto root = std::filesystem::path(genai::testing::source_dir()) / "data";
  if (!std::filesystem::is_directory(root / "mnist")) GENAI_SKIP_OR_FAIL_WITHOUT_REAL_DATA("no data/mnist; run scripts/get-data.sh mnist");
  const auto files = data::locate_dataset("mnist", root.string(), true);
  auto train_set = data::read_labeled_images(files.train_images, files.train_labels);
  auto test_set = data::read_labeled_images(files.test_images, files.test_labels);
  EXPECT_EQ(train_set.images.count(), 60000);
  EXPECT_EQ(test_set.images.count(), 10000);
  auto ds = data::to_dataset(train_set, "mnist", torch::kCPU);
  // The MNIST training mean is 0.1307 of full scale, i.e. 0.1307 * 2 - 1 in [-1, 1].
  EXPECT_NEAR(ds.float_images().mean().item<double>(), 0.1307 * 2 - 1, 1e-3);
  EXPECT_EQ(ds.labels.min().item<int64_t>(), 0);
  EXPECT_EQ(ds.labels.max().item<int64_t>(), 9);
  EXPECT_EQ(ds.labels.eq(1).sum().item<int64_t>(), 6742);  // the known count of ones

  TrainConfig config;
  config.steps = 30;
  config.log_every = 10;
  train::Trainer trainer(config, std::move(ds), torch::kCPU);
  std::vector<train::StepMetrics> logs;
  train::TrainerEvents events;
  events.on_log = [&](const train::StepMetrics& m) { logs.push_back(m); };
  trainer.run(30, events);
  ASSERT_FALSE(logs.empty());
  EXPECT_TRUE(std::isfinite(logs.back().d_loss));
  EXPECT_TRUE(std::isfinite(logs.back().g_loss));
}

}  // namespace
}  // namespace genai
