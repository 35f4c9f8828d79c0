// The eval classifier: shapes, training on tiny synthetic data, determinism, the file round trip and the
// cache beside the data.
#include "genai/eval/classifier.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "genai/data/dataset.h"
#include "genai/data/locate.h"
#include "genai/error.h"
#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;

data::ImageDataset tiny(int64_t n, uint64_t seed) { return data::to_dataset(genai::testing::make_tiny_images(n, seed), "tiny", torch::kCPU); }

eval::ClassifierRecipe quick_recipe() {
  eval::ClassifierRecipe recipe;
  recipe.epochs = 4;
  recipe.batch_size = 16;
  recipe.lr = 3e-3;
  recipe.seed = 7;
  return recipe;
}

bool same_weights(torch::nn::Module& a, torch::nn::Module& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    if (!torch::equal(pa[i], pb[i])) return false;
  return true;
}

TEST(Classifier, FeaturesAre64WideAndLogitsHaveOneColumnPerClass) {
  torch::manual_seed(0);
  eval::LeNet net(7);
  const auto images = torch::rand({5, 1, 28, 28}) * 2 - 1;
  EXPECT_EQ(net.features(images).sizes(), torch::IntArrayRef({5, eval::kFeatureDim}));
  EXPECT_EQ(net.forward(images).sizes(), torch::IntArrayRef({5, 7}));
  const auto out = eval::classify(net, images, torch::kCPU, /*batch_size=*/2);  // batches of 2, 2 and 1
  EXPECT_EQ(out.features.sizes(), torch::IntArrayRef({5, eval::kFeatureDim}));
  EXPECT_TRUE(torch::allclose(out.probabilities.sum(1), torch::ones({5}, torch::kFloat64)));
  EXPECT_TRUE(torch::equal(out.predicted, out.probabilities.argmax(1)));
  EXPECT_GE(out.features.min().item<float>(), 0.0f);  // ReLU activations
}

TEST(Classifier, LearnsTinyBarsDeterministicallyAndCalibratesTheFeatureScale) {
  const auto train = tiny(300, 1), test = tiny(100, 2);
  const auto a = eval::train_classifier(train, test, quick_recipe(), torch::kCPU, {});
  EXPECT_EQ(a.classes, 10);
  EXPECT_GE(a.test_accuracy, 0.95);  // ten bars at distinct rows: easy for any working classifier
  EXPECT_NEAR(a.test_accuracy, eval::classifier_accuracy(*a.net, test, torch::kCPU), 1e-12);
  // Features have unit root mean square over the training images after calibration.
  const auto features = eval::classify(*a.net, train.float_images(), torch::kCPU).features.to(torch::kFloat64);
  EXPECT_NEAR(features.pow(2).mean().sqrt().item<double>(), 1.0, 1e-4);

  const auto b = eval::train_classifier(train, test, quick_recipe(), torch::kCPU, {});
  EXPECT_TRUE(same_weights(*a.net, *b.net)) << "same seed, different weights";
  auto other = quick_recipe();
  other.seed = 8;
  const auto c = eval::train_classifier(train, test, other, torch::kCPU, {});
  EXPECT_FALSE(same_weights(*a.net, *c.net)) << "the seed has no effect";
}

TEST(Classifier, FileRoundTripGivesIdenticalOutputsAndBytes) {
  genai::testing::TempDir dir;
  auto recipe = quick_recipe();
  recipe.epochs = 1;
  auto trained = eval::train_classifier(tiny(100, 1), tiny(20, 2), recipe, torch::kCPU, {});
  trained.data_key = "abc";
  eval::save_classifier(dir.file("c.bin"), trained);
  eval::save_classifier(dir.file("again.bin"), trained);
  EXPECT_EQ(genai::testing::read_bytes(dir.file("c.bin")), genai::testing::read_bytes(dir.file("again.bin")));
  const auto loaded = eval::load_classifier(dir.file("c.bin"), torch::kCPU);
  EXPECT_EQ(loaded.classes, 10);
  EXPECT_EQ(loaded.data_key, "abc");
  EXPECT_DOUBLE_EQ(loaded.test_accuracy, trained.test_accuracy);
  EXPECT_EQ(loaded.recipe.batch_size, recipe.batch_size);
  const auto images = tiny(30, 3).float_images();
  const auto x = eval::classify(*trained.net, images, torch::kCPU), y = eval::classify(*loaded.net, images, torch::kCPU);
  EXPECT_TRUE(torch::equal(x.features, y.features));
  EXPECT_TRUE(torch::equal(x.probabilities, y.probabilities));
}

TEST(Classifier, DamagedOrForeignFilesGiveOneLineErrors) {
  genai::testing::TempDir dir;
  auto recipe = quick_recipe();
  recipe.epochs = 1;
  const auto trained = eval::train_classifier(tiny(50, 1), tiny(20, 2), recipe, torch::kCPU, {});
  eval::save_classifier(dir.file("c.bin"), trained);
  auto bytes = genai::testing::read_bytes(dir.file("c.bin"));
  bytes[bytes.size() / 2] ^= 0x10;
  std::ofstream(dir.file("flipped.bin"), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  std::ofstream(dir.file("text.bin")) << "hello";
  auto message = [&](const std::string& name) {
    try {
      eval::load_classifier(dir.file(name), torch::kCPU);
    } catch (const RuntimeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("flipped.bin").find("corrupt classifier file: checksum mismatch"), std::string::npos) << message("flipped.bin");
  EXPECT_NE(message("text.bin").find("not a genai classifier file (no GENAI-CLASSIFIER header)"), std::string::npos);
  EXPECT_NE(message("missing.bin").find("missing.bin: no such file (expected a genai classifier file)"), std::string::npos) << message("missing.bin");
}

TEST(Classifier, IsCachedBesideTheDataAndKeyedByTheFiles) {
  genai::testing::TempDir dir;
  genai::testing::write_tiny_dataset(dir.path() / "tiny", 120);
  const auto files = data::locate_dataset((dir.path() / "tiny").string(), "", true);
  const auto train = data::to_dataset(data::read_labeled_images(files.train_images, files.train_labels), "train", torch::kCPU);
  const auto test = data::to_dataset(data::read_labeled_images(files.test_images, files.test_labels), "test", torch::kCPU);
  eval::ClassifierSource source;
  source.recipe = quick_recipe();
  source.recipe.epochs = 1;
  std::vector<std::string> lines;
  auto progress = [&](const std::string& line) { lines.push_back(line); };

  const std::string key = eval::dataset_key(files);
  EXPECT_EQ(key.size(), 64u);
  const auto first = eval::obtain_classifier(source, files, train, test, torch::kCPU, progress);
  EXPECT_GT(first.train_seconds, 0.0);
  EXPECT_EQ(first.data_key, key);
  EXPECT_EQ(first.path, eval::cached_classifier_path(files, key));
  EXPECT_EQ(fs::path(first.path).parent_path(), dir.path() / "tiny");
  // A CUDA-trained classifier (other weights, so other FD features) is cached apart from the CPU one.
  const std::string on_cuda = eval::cached_classifier_path(files, key, torch::Device(torch::kCUDA, 0));
  EXPECT_NE(on_cuda, first.path);
  EXPECT_EQ(fs::path(on_cuda).filename().string(),
            "genai-classifier-v" + std::to_string(eval::kClassifierVersion) + "-cuda-" + key.substr(0, 16) + ".bin");
  ASSERT_TRUE(fs::is_regular_file(first.path));

  const auto second = eval::obtain_classifier(source, files, train, test, torch::kCPU, progress);
  EXPECT_EQ(second.train_seconds, 0.0) << "the cache was not used";
  EXPECT_TRUE(same_weights(*first.net, *second.net));

  source.retrain = true;
  EXPECT_GT(eval::obtain_classifier(source, files, train, test, torch::kCPU, progress).train_seconds, 0.0);
  // Another recipe is not served from the cache.
  source.retrain = false;
  source.recipe.epochs = 2;
  EXPECT_GT(eval::obtain_classifier(source, files, train, test, torch::kCPU, progress).train_seconds, 0.0);

  // Other data bytes give another key, so a stale cache is never used for new data.
  genai::testing::write_tiny_dataset(dir.path() / "tiny", 130);
  EXPECT_NE(eval::dataset_key(files), key);
}

}  // namespace
}  // namespace genai
