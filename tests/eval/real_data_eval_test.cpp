// Needs the real MNIST that scripts/get-data.sh fetches into data/mnist: skipped without it, except in CI,
// where it fails.
// FD-LeNet must rise steadily as real test images get more noise, blur or occlusion.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "genai/data/dataset.h"
#include "genai/data/locate.h"
#include "genai/eval/classifier.h"
#include "genai/eval/frechet.h"
#include "support.h"

namespace genai {
namespace {
namespace F = torch::nn::functional;

// The data and one briefly trained classifier, shared by the tests (training it takes about ten seconds;
// the full one takes about a minute and is not needed to order degradations).
struct RealMnist {
  data::ImageDataset train, test;
  eval::Classifier classifier;
  torch::Tensor reference_features;  // of 10,000 training images the classifier never saw
};

class RealMnistEval : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto root = std::filesystem::path(genai::testing::source_dir()) / "data";
    if (!std::filesystem::is_directory(root / "mnist")) return;
    const auto files = data::locate_dataset("mnist", root.string(), true);
    shared_ = new RealMnist;
    shared_->train = data::to_dataset(data::read_labeled_images(files.train_images, files.train_labels), "train", torch::kCPU);
    shared_->test = data::to_dataset(data::read_labeled_images(files.test_images, files.test_labels), "test", torch::kCPU);
    eval::ClassifierRecipe recipe;
    recipe.epochs = 1;
    recipe.max_train_images = 20000;
    shared_->classifier = eval::train_classifier(shared_->train, shared_->test, recipe, torch::kCPU, {});
    shared_->reference_features =
        eval::classify(*shared_->classifier.net, shared_->train.float_images().narrow(0, 40000, 10000), torch::kCPU).features;
  }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  void SetUp() override {
    if (!shared_) GENAI_SKIP_OR_FAIL_WITHOUT_REAL_DATA("no data/mnist; run scripts/get-data.sh mnist");
  }

  // FD-LeNet between unseen training images and the (degraded) test set. Not the two halves of the
  // test set: MNIST's first 5,000 test digits come from other writers than the last 5,000, and a little
  // noise made the halves look MORE alike.
  static double fd_to_reference(const torch::Tensor& degraded) {
    const auto features = eval::classify(*shared_->classifier.net, degraded, torch::kCPU).features;
    return eval::frechet_distance(eval::gaussian_statistics(features), eval::gaussian_statistics(shared_->reference_features));
  }

  static void expect_rising(const std::string& what, const std::vector<torch::Tensor>& levels) {
    std::vector<double> fd;
    for (const auto& images : levels) fd.push_back(fd_to_reference(images));
    std::string trace;
    for (double v : fd) trace += std::to_string(v) + " ";
    std::printf("FD-LeNet under %s: %s\n", what.c_str(), trace.c_str());
    for (size_t i = 1; i < fd.size(); ++i) EXPECT_GT(fd[i], fd[i - 1] * 1.05) << what << " level " << i << ": " << trace;
  }

  static torch::Tensor held_out() { return shared_->test.float_images(); }
  static RealMnist* shared_;
};
RealMnist* RealMnistEval::shared_ = nullptr;

// One test, so that CTest (one process per test) trains the classifier once.
TEST_F(RealMnistEval, FdRisesSteadilyWithNoiseBlurAndOcclusion) {
  EXPECT_GE(shared_->classifier.test_accuracy, 0.95);  // even briefly trained

  torch::manual_seed(0);
  const auto noise = torch::randn_like(held_out());
  std::vector<torch::Tensor> noisy;
  for (double sigma : {0.0, 0.2, 0.4, 0.6, 0.8}) noisy.push_back((held_out() + sigma * noise).clamp(-1, 1));
  expect_rising("noise", noisy);

  std::vector<torch::Tensor> blurred;
  for (int64_t k : {1, 3, 5, 7, 9})
    blurred.push_back(F::avg_pool2d(held_out(), F::AvgPool2dFuncOptions(k).stride(1).padding(k / 2).count_include_pad(false)));
  expect_rising("blur", blurred);

  std::vector<torch::Tensor> occluded;
  for (int64_t side : {0, 6, 10, 14, 18}) {
    auto images = held_out().clone();
    const int64_t first = (28 - side) / 2;
    if (side > 0) images.narrow(2, first, side).narrow(3, first, side).fill_(-1.0);  // a black square in the centre
    occluded.push_back(images);
  }
  expect_rising("occlusion", occluded);
}

}  // namespace
}  // namespace genai
