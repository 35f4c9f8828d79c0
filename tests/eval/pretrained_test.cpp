// The pretrained feature networks: pytorch-fid's Inception layout and the real EfficientNet-Lite0 weights
// (data/networks, from scripts/get-data.sh efficientnet-lite0; skipped without them, failed in CI), loaded through
// genai's own torch.save reader. Their values against the reference Python code: tests/python/fid_test.py and
// tests/python/efficientnet_test.py.
#include <gtest/gtest.h>

#include <filesystem>

#include "genai/error.h"
#include "genai/eval/efficientnet_lite.h"
#include "genai/eval/feature_scores.h"
#include "genai/eval/inception.h"
#include "support.h"

namespace genai::eval {
namespace {
namespace fs = std::filesystem;

std::string efficientnet_weights() { return (fs::path(genai::testing::source_dir()) / "data/networks/efficientnet-lite0-57934424.pth").string(); }

TEST(Pretrained, InceptionHasPytorchFidsLayout) {
  FidInceptionV3 net;
  net->eval();
  int64_t parameters = 0, batch_norms = 0;
  for (const auto& p : net->named_parameters()) parameters += p.value().numel();
  for (const auto& b : net->named_buffers()) batch_norms += b.key().find("running_mean") != std::string::npos;
  // torchvision's Inception3 without the auxiliary classifier, with a 1008-way fc: 23,850,960 weights, as pytorch-fid's,
  // and 94 batch norms (one per BasicConv2d).
  EXPECT_EQ(parameters, 23850960);
  EXPECT_EQ(batch_norms, 94);
  c10::InferenceMode inference;
  const auto features = net->features(torch::rand({2, 3, 32, 32}));
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{2, FidInceptionV3Impl::kFeatureDim}));
  EXPECT_GE(features.min().item<float>(), 0.f);  // an average of ReLU outputs
  EXPECT_EQ(net->logits(features).size(1), FidInceptionV3Impl::kClasses);
}

TEST(Pretrained, RealEfficientNetLite0LoadsAndSeesGrayAsRgb) {
  const auto path = efficientnet_weights();
  if (!fs::is_regular_file(path)) GENAI_SKIP_OR_FAIL_WITHOUT_REAL_DATA("no " + path + "; run scripts/get-data.sh efficientnet-lite0");
  const auto network = load_pretrained_network(PretrainedNetwork::kEfficientNetLite0, path, torch::kCPU);
  int64_t parameters = 0;
  for (const auto& p : network.module->parameters()) parameters += p.numel();
  EXPECT_EQ(parameters, 4652008);  // the converter's count for EfficientNet-Lite0 with its 1000-way fc
  torch::manual_seed(0);
  const auto gray = torch::randint(0, 256, {4, 1, 16, 16}, torch::kInt64).to(torch::kUInt8);
  const auto as_gray = network_outputs(network, gray, torch::kCPU, 3, false);
  const auto as_rgb = network_outputs(network, gray.expand({4, 3, 16, 16}).contiguous(), torch::kCPU, 4, false);
  EXPECT_EQ(as_gray.features.sizes(), (std::vector<int64_t>{4, EfficientNetLite0Impl::kFeatureDim}));
  EXPECT_TRUE(torch::allclose(as_gray.features, as_rgb.features, 1e-5, 1e-6));  // batches of 3 and 4 agree too
  EXPECT_GE(as_gray.features.min().item<float>(), 0.f);
  EXPECT_LE(as_gray.features.max().item<float>(), 6.f);           // a mean of ReLU6 outputs
  EXPECT_GT(as_gray.features.std(0).mean().item<float>(), 1e-3);  // different pictures, different features
}

TEST(Pretrained, TheWrongWeightsFileIsRefusedNamingTheEntry) {
  const auto path = efficientnet_weights();
  if (!fs::is_regular_file(path)) GENAI_SKIP_OR_FAIL_WITHOUT_REAL_DATA("no " + path + "; run scripts/get-data.sh efficientnet-lite0");
  try {
    load_fid_inception(path);
    FAIL() << "EfficientNet weights loaded as Inception";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": unexpected entry _conv_stem.weight: not pytorch-fid's Inception weights"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace genai::eval
