// genai's own classifier on labelled data of other shapes than 1x28x28 (CIFAR files, class folders, RGB): the
// ConvNet's shapes, that it learns colour classes, its file round trip with the shape, the cache key, and the
// evaluation's classifier figures and TSTR on RGB data and on digits (TSTR through the bytes, as exported data).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "genai/data/dataset.h"
#include "genai/error.h"
#include "genai/eval/classifier.h"
#include "genai/eval/evaluation.h"
#include "genai/eval/report.h"
#include "genai/models/gan.h"
#include "support.h"

namespace genai {
namespace {

// n RGB images of side S in `classes` classes: class c is a bright square in colour channel c % 3, at a place that
// depends on c / 3, over dim seeded noise.
data::ImageSet colour_set(int64_t n, int64_t classes, int64_t side, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  data::ImageSet set;
  set.images = (torch::rand({n, 3, side, side}, generator) * 60).to(torch::kUInt8);
  set.labels = torch::arange(n, torch::kInt64).remainder(classes);
  const int64_t q = side / 4;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = set.labels[i].item<int64_t>();
    const int64_t at = (c / 3) * q;
    set.images[i].select(0, c % 3).narrow(0, at, q).narrow(1, at, q).fill_(240);
  }
  set.labelled = true;
  set.classes = classes;
  return set;
}

const auto quiet = [](const std::string&) {};

eval::ClassifierRecipe quick_recipe(int64_t epochs = 4) {
  eval::ClassifierRecipe recipe;
  recipe.epochs = epochs;
  recipe.batch_size = 16;
  recipe.lr = 3e-3;
  recipe.seed = 3;
  return recipe;
}

TEST(RgbClassifier, ConvNetStagesHalveTheSideToFourAndAverageOtherSides) {
  torch::manual_seed(0);
  for (const ImageShape shape : {ImageShape{3, 32}, ImageShape{3, 64}, ImageShape{3, 48}, ImageShape{1, 16}, ImageShape{3, 8}}) {
    eval::LeNet net(5, shape);
    EXPECT_EQ(net.network_name(), "ConvNet");
    const auto images = torch::rand({2, shape.channels, shape.size, shape.size}) * 2 - 1;
    EXPECT_EQ(net.features(images).sizes(), torch::IntArrayRef({2, eval::kFeatureDim})) << shape.describe();
    EXPECT_EQ(net.forward(images).sizes(), torch::IntArrayRef({2, 5})) << shape.describe();
  }
  // 32 px: three stages (16, 32, 64 channels), so fc1 reads 64 x 4 x 4.
  eval::LeNet net(10, {3, 32});
  EXPECT_EQ(net.named_parameters()["fc1.weight"].sizes(), torch::IntArrayRef({128, 64 * 16}));
  EXPECT_EQ(net.named_parameters()["stages.0.weight"].sizes(), torch::IntArrayRef({16, 3, 3, 3}));
  EXPECT_EQ(eval::LeNet(10).network_name(), "LeNet");
}

TEST(RgbClassifier, LearnsColourClassesAndRoundTripsWithItsShape) {
  const auto train = data::to_dataset(colour_set(240, 6, 16, 1), torch::kCPU);
  const auto test = data::to_dataset(colour_set(60, 6, 16, 2), torch::kCPU);
  auto trained = eval::train_classifier(train, test, quick_recipe(), torch::kCPU, {});
  EXPECT_EQ(trained.classes, 6);
  EXPECT_EQ(trained.shape, (ImageShape{3, 16}));
  EXPECT_GE(trained.test_accuracy, 0.95);  // a coloured square per class: easy for any working classifier

  genai::testing::TempDir dir;
  trained.data_key = "k";
  eval::save_classifier(dir.file("c.bin"), trained);
  const auto loaded = eval::load_classifier(dir.file("c.bin"), torch::kCPU);
  EXPECT_EQ(loaded.shape, trained.shape);
  const auto images = test.float_images();
  EXPECT_TRUE(torch::equal(loaded.net->features(images), trained.net->features(images)));

  // A 1x28x28 classifier file has no shape records: it loads as the LeNet every earlier version wrote.
  const auto digits = data::to_dataset(genai::testing::make_tiny_images(60, 1), "tiny", torch::kCPU);
  auto lenet = eval::train_classifier(digits, digits, quick_recipe(1), torch::kCPU, {});
  eval::save_classifier(dir.file("lenet.bin"), lenet);
  EXPECT_EQ(genai::testing::read_text(dir.file("lenet.bin")).find("shape.channels"), std::string::npos);
  EXPECT_EQ(eval::load_classifier(dir.file("lenet.bin"), torch::kCPU).net->network_name(), "LeNet");

  // --classifier FILE of another shape than the data is refused by name.
  eval::ClassifierSource source;
  source.file = dir.file("lenet.bin");
  try {
    eval::obtain_classifier(source, eval::ClassifierCache{"k", dir.path().string()}, train, test, torch::kCPU, {});
    ADD_FAILURE() << "a 1x28x28 classifier was used for 3x16x16 images";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("is a classifier of 1x28x28 images, but the data is read as 3x16x16"), std::string::npos) << e.what();
  }
}

TEST(RgbClassifier, TheCacheKeyFollowsTheBytesTheLabelsAndTheShape) {
  const auto train = colour_set(40, 4, 16, 1), test = colour_set(20, 4, 16, 2);
  const auto key = eval::classifier_cache(train, test, "/d").key;
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(eval::classifier_cache(colour_set(40, 4, 16, 1), colour_set(20, 4, 16, 2), "/other").key, key);  // same bytes, same key
  auto changed = train;
  changed.images = train.images.clone();
  changed.images[3][0][0][0].add_(1);  // one pixel, one level
  EXPECT_NE(eval::classifier_cache(changed, test, "/d").key, key);
  auto relabelled = test;
  relabelled.labels = test.labels.roll(1);
  EXPECT_NE(eval::classifier_cache(train, relabelled, "/d").key, key);
  EXPECT_NE(eval::classifier_cache(colour_set(40, 4, 8, 1), colour_set(20, 4, 8, 2), "/d").key, key);
  EXPECT_EQ(eval::cached_classifier_path(eval::ClassifierCache{key, "/d"}),
            "/d/genai-classifier-v" + std::to_string(eval::kClassifierVersion) + "-" + key.substr(0, 16) + ".bin");
}

// A conditional "generator" that draws its class's bar image (the tiny digits' class pattern) or coloured square.
struct PatternGenerator : models::Generator {
  explicit PatternGenerator(torch::Tensor prototypes) : prototypes_(std::move(prototypes)) {}  // [classes, C, S, S] in [-1, 1]
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels) override {
    return (prototypes_.index_select(0, labels.to(torch::kCPU)) + 0.05 * z.narrow(1, 0, 1).view({-1, 1, 1, 1})).clamp(-1, 1);
  }
  int64_t classes() const override { return prototypes_.size(0); }
  torch::Tensor prototypes_;
};

// The mean training image of each class, in [-1, 1].
torch::Tensor class_means(const data::ImageDataset& set, int64_t classes) {
  std::vector<torch::Tensor> means;
  const auto images = set.float_images();
  for (int64_t c = 0; c < classes; ++c) means.push_back(images.index_select(0, set.labels.eq(c).nonzero().view({-1})).mean(0));
  return torch::stack(means);
}

eval::EvaluationRequest pattern_request(const std::string& data, const data::ImageDataset& train, int64_t classes, ModelKind kind, ImageShape shape) {
  eval::EvaluationRequest request;
  request.data = data;
  request.data_root = "";
  request.load.transform = {shape.size, shape.channels};
  request.settings.samples = 60;
  request.settings.kid_subsets = 3;
  request.settings.kid_subset_size = 20;
  request.settings.parzen = false;
  request.classifier.recipe = quick_recipe(4);
  request.tstr = true;
  eval::GeneratorToScore g;
  g.generator = std::make_shared<PatternGenerator>(class_means(train, classes));
  g.model.kind = kind;
  g.model.classes = classes;
  g.model.channels = shape.channels;
  g.model.image_size = shape.size;
  g.model.z_dim = 4;
  g.checkpoint = "pattern";
  request.generator = g;
  return request;
}

TEST(RgbClassifier, CifarFilesGetConvNetFiguresPerClassAccuracyAndTstr) {
  genai::testing::TempDir dir;
  // CIFAR-10's layout: per image one label byte and 3 x 32 x 32 planes.
  const auto write_batch = [&](const std::string& name, const data::ImageSet& set) {
    std::string bytes;
    for (int64_t i = 0; i < set.size(); ++i) {
      bytes.push_back(static_cast<char>(set.labels[i].item<int64_t>()));
      const auto image = set.images[i].contiguous();
      bytes.append(static_cast<const char*>(image.data_ptr()), static_cast<size_t>(image.numel()));
    }
    std::ofstream(dir.path() / "cifar" / name, std::ios::binary) << bytes;
  };
  std::filesystem::create_directories(dir.path() / "cifar");
  const auto train_set = colour_set(300, 10, 32, 1), test_set = colour_set(100, 10, 32, 2);
  write_batch("data_batch_1.bin", train_set);
  write_batch("test_batch.bin", test_set);
  const auto train = data::to_dataset(train_set, torch::kCPU);

  auto request = pattern_request((dir.path() / "cifar").string(), train, 10, ModelKind::kCdcgan, {3, 32});
  const auto card = eval::evaluate(request, quiet);
  EXPECT_TRUE(card.lenet);
  EXPECT_EQ(card.classifier_network, "ConvNet");
  EXPECT_GE(card.classifier_accuracy, 0.9);
  ASSERT_TRUE(card.model && card.conditional && card.tstr_accuracy);
  // The pattern generator draws every class's own image: the classifier agrees, covers all ten, and a classifier
  // trained on its images recognises the real test images (through the bytes, as an exported data set).
  EXPECT_GE(card.conditional->accuracy, 0.95);
  EXPECT_EQ(card.model->modes.covered, 10);
  EXPECT_GE(*card.tstr_accuracy, 0.9);
  EXPECT_EQ(card.test_count, 100);
  // The classifier is cached beside the CIFAR files, keyed by their bytes as read.
  EXPECT_EQ(std::filesystem::path(card.classifier_path).parent_path(), dir.path() / "cifar");

  const auto text = eval::format_scorecard(card);
  for (const char* wanted : {"FD-ConvNet (n = 60)", "ConvNet features, NOT comparable to Inception FID", "FD-ConvNet (vs that class's test images)"})
    EXPECT_NE(text.find(wanted), std::string::npos) << wanted << "\n" << text;
  const auto json = nlohmann::json::parse(eval::scorecard_json(card));
  EXPECT_EQ(json.at("classifier").at("network"), "ConvNet");
  EXPECT_TRUE(json.at("generator").contains("fd_convnet"));
  EXPECT_FALSE(json.at("generator").contains("fd_lenet"));
  EXPECT_EQ(json.at("conditional").at("class_fd_convnet").size(), 10u);
}

TEST(RgbClassifier, TstrOnDigitsTrainsOnTheGeneratedBytes) {
  genai::testing::TempDir dir;
  genai::testing::write_tiny_dataset(dir.path() / "tiny", 200);
  const auto train = data::to_dataset(genai::testing::make_tiny_images(200, 1), "tiny", torch::kCPU);
  auto request = pattern_request((dir.path() / "tiny").string(), train, 10, ModelKind::kCmlp, kMnistShape);
  const auto card = eval::evaluate(request, quiet);
  EXPECT_EQ(card.classifier_network, "LeNet");
  ASSERT_TRUE(card.tstr_accuracy);
  EXPECT_GE(*card.tstr_accuracy, 0.9) << "a classifier trained on each class's mean digit must read the real ones";
}

TEST(RgbClassifier, ClassFoldersHoldOutAFifthAndUnlabelledFoldersAreRefused) {
  genai::testing::TempDir dir;
  for (const bool labelled : {true, false}) {
    const auto set = colour_set(60, 3, 16, 4);
    const auto folder = dir.path() / (labelled ? "classes" : "flat");
    for (int64_t i = 0; i < set.size(); ++i) {
      const auto pixels = set.images[i].permute({1, 2, 0}).contiguous();
      const auto* p = pixels.data_ptr<uint8_t>();
      const auto sub = labelled ? folder / ("c" + std::to_string(set.labels[i].item<int64_t>())) : folder;
      genai::testing::write_image_file(sub / ("i" + std::to_string(i) + ".png"), 16, 16, 3, std::vector<uint8_t>(p, p + pixels.numel()));
    }
  }
  eval::EvaluationRequest request;
  request.data = (dir.path() / "classes").string();
  request.data_root = "";
  request.settings.samples = 20;
  request.settings.kid_subsets = 2;
  request.settings.kid_subset_size = 10;
  request.settings.parzen = false;
  request.classifier.recipe = quick_recipe(1);
  const auto card = eval::evaluate(request, quiet);  // the real data alone
  EXPECT_EQ(card.classifier_network, "ConvNet");
  EXPECT_EQ(card.test_count, 12);  // 60 / 5
  EXPECT_EQ(std::filesystem::path(card.classifier_path).parent_path(), dir.path() / "classes" / ".genai-cache");

  request.data = (dir.path() / "flat").string();
  try {
    eval::evaluate(request, quiet);
    ADD_FAILURE() << "classifier figures on an unlabelled folder";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("is an unlabelled image folder; the classifier figures need classes"), std::string::npos) << e.what();
  }
  request.classifier_figures = eval::ClassifierFigures::kIfLabelled;  // auto: no classifier there, and nothing else asked
  request.networks.clear();
  const auto nothing = eval::evaluate(request, quiet);
  EXPECT_FALSE(nothing.lenet);
}

}  // namespace
}  // namespace genai
