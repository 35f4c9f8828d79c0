#include "genai/data/dataset.h"

#include <gtest/gtest.h>

#include "genai/data/locate.h"
#include "genai/error.h"
#include "support.h"

namespace genai::data {
namespace {

TEST(Dataset, ScalesPixelsToMinusOneOne) {
  LabeledImages set;
  set.images = IdxArray{{1, 28, 28}, std::vector<uint8_t>(784, 0)};
  set.images.bytes[0] = 255;
  set.images.bytes[1] = 51;  // 51 / 127.5 - 1 = -0.6
  set.labels = IdxArray{{1}, {7}};
  auto ds = to_dataset(set, "x", torch::kCPU);
  ASSERT_EQ(ds.images.sizes(), (std::vector<int64_t>{1, 1, 28, 28}));
  EXPECT_EQ(ds.images.dtype(), torch::kUInt8);  // held as bytes; converted a batch (or the whole set) at a time
  const auto pixels = ds.float_images();
  EXPECT_EQ(pixels.dtype(), torch::kFloat32);
  EXPECT_FLOAT_EQ(pixels[0][0][0][0].item<float>(), 1.0f);
  EXPECT_NEAR(pixels[0][0][0][1].item<float>(), -0.6f, 1e-6);
  EXPECT_FLOAT_EQ(pixels[0][0][0][2].item<float>(), -1.0f);
  EXPECT_EQ(ds.labels[0].item<int64_t>(), 7);
}

TEST(Dataset, RefusesWrongSizeAndEmptySets) {
  LabeledImages set{IdxArray{{1, 32, 32}, std::vector<uint8_t>(1024)}, IdxArray{{1}, {0}}};
  EXPECT_THROW(to_dataset(set, "x", torch::kCPU), RuntimeError);
  LabeledImages empty{IdxArray{{0, 28, 28}, {}}, IdxArray{{0}, {}}};
  try {
    to_dataset(empty, "set", torch::kCPU);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), "set: holds no images (empty dataset)");
  }
}

TEST(Batcher, PermutationIsASeededShuffle) {
  auto a = ShuffledBatcher::permutation(1000, 5, 0);
  auto b = ShuffledBatcher::permutation(1000, 5, 0);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE(torch::equal(std::get<0>(a.sort()), torch::arange(1000, torch::kInt64)));  // every index once
  EXPECT_FALSE(torch::equal(a, ShuffledBatcher::permutation(1000, 5, 1)));               // a new order each epoch
  EXPECT_FALSE(torch::equal(a, ShuffledBatcher::permutation(1000, 6, 0)));               // and per seed
  EXPECT_FALSE(torch::equal(a, torch::arange(1000, torch::kInt64)));
}

TEST(Batcher, WalksEpochsAndDropsThePartialBatch) {
  ShuffledBatcher batcher(10, 4, 3, torch::kCPU);
  EXPECT_EQ(batcher.batches_per_epoch(), 2);
  auto first = batcher.next();
  auto second = batcher.next();
  EXPECT_EQ(first.size(0), 4);
  auto perm = ShuffledBatcher::permutation(10, 3, 0);
  EXPECT_TRUE(torch::equal(torch::cat({first, second}), perm.narrow(0, 0, 8)));
  auto third = batcher.next();  // epoch 1 begins; the 2 leftover indices of epoch 0 were dropped
  EXPECT_EQ(batcher.epoch(), 1);
  EXPECT_TRUE(torch::equal(third, ShuffledBatcher::permutation(10, 3, 1).narrow(0, 0, 4)));
}

TEST(Batcher, SeekRestoresThePosition) {
  ShuffledBatcher straight(50, 8, 9, torch::kCPU);
  for (int i = 0; i < 13; ++i) straight.next();
  ShuffledBatcher resumed(50, 8, 9, torch::kCPU);
  resumed.seek(straight.epoch(), straight.batch_in_epoch());
  EXPECT_TRUE(torch::equal(straight.next(), resumed.next()));
}

TEST(Batcher, BatchLargerThanDatasetIsAUsageError) {
  try {
    ShuffledBatcher batcher(10, 64, 0, torch::kCPU);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("batch-size = 64 is larger than the dataset (10 images)"), std::string::npos);
  }
}

TEST(Locate, FindsRawOrGzipAndNamesWhatIsMissing) {
  genai::testing::TempDir dir;
  genai::testing::write_tiny_dataset(dir.path() / "gz", 20, /*gz=*/true);
  auto files = locate_dataset((dir.path() / "gz").string(), "unused", true);
  EXPECT_EQ(files.train_images, (dir.path() / "gz" / "train-images-idx3-ubyte.gz").string());
  try {
    locate_dataset("mnist", dir.file("nowhere"), false);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("run scripts/get-data.sh mnist"), std::string::npos) << e.what();
  }
  std::filesystem::create_directories(dir.path() / "empty");
  try {
    locate_dataset((dir.path() / "empty").string(), "", false);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("train-images-idx3-ubyte: no such file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(locate_dataset(dir.file("not-a-dir"), "", false), UsageError);
}

}  // namespace
}  // namespace genai::data
