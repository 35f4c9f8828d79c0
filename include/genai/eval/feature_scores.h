#pragma once
// genai eval in a pretrained network's feature space, for any image set: the Fréchet distance, KID,
// precision/recall and density/coverage (and, in pytorch-fid's Inception, the Inception Score), each computed for
// the images being scored and for real images, against the same real reference.
//   efficientnet-lite0: ImageNet-trained EfficientNet-Lite0 (genai/eval/efficientnet_lite.h), 1280-d; offline,
//                       from scripts/get-data.sh efficientnet-lite0. Its FD is NOT Inception FID.
//   inception:          pytorch-fid's FID Inception-v3 (genai/eval/inception.h), 2048-d, from the user's weights
//                       file; its FD is the FID that papers using pytorch-fid report (at equal sample counts).
#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>

#include "genai/eval/nearest_neighbors.h"
#include "genai/eval/rgb_feature_network.h"
#include "genai/eval/scorecard.h"
#include "genai/eval/statistics.h"

namespace genai::eval {

enum class PretrainedNetwork { kEfficientNetLite0, kInception };
const char* name(PretrainedNetwork network);         // "efficientnet-lite0" | "inception": the CLI's spelling
const char* metric_name(PretrainedNetwork network);  // "fd_efficientnet_lite0" | "fid": the figure's name in reports
const char* describe(PretrainedNetwork network);     // one line for the scorecard

struct LoadedNetwork {
  PretrainedNetwork kind = PretrainedNetwork::kEfficientNetLite0;
  std::string weights;                        // the file it was loaded from
  std::shared_ptr<torch::nn::Module> module;  // owns the network
  RgbFeatureNetwork* network = nullptr;       // the same object, as a feature network
};
// Loads the weights onto `device`. Throws RuntimeError naming the file.
LoadedNetwork load_pretrained_network(PretrainedNetwork kind, const std::string& weights, torch::Device device);

struct NetworkOutputs {
  torch::Tensor features;       // float32 [N, D], CPU
  torch::Tensor probabilities;  // float32 [N, K], CPU (softmax of the logits); only when asked
  double seconds = 0;           // the network pass
};
// `images`: uint8 [N, C, S, S] (C = 1, replicated to RGB as pytorch-fid does, or 3), any device. Batches of
// `batch_size` go through the network under inference mode on `device`.
NetworkOutputs network_outputs(const LoadedNetwork& network, const torch::Tensor& images, torch::Device device, int64_t batch_size,
                               bool probabilities);
// The batch that keeps a pass's activations within a few hundred MB on the CPU, larger on a GPU.
int64_t default_batch_size(PretrainedNetwork network, torch::Device device);

struct FeatureScores {
  int64_t count = 0;
  double frechet_distance = 0;
  MeanStd kid;
  PrecisionRecall precision_recall;
  DensityCoverage density_coverage;
  int64_t neighbour_count = 0;             // scored images in the k-NN metrics (at most the reference's count)
  std::optional<MeanStd> inception_score;  // Inception only
};
// Every figure for `features` against `reference` [M, D]. The k-NN metrics compare sets of equal size, as their
// authors define them: a larger scored set enters them as a seeded subset of M rows (10,000 generated images
// against 819 real ones made every real image fall outside the generated balls: recall 0). Throws RuntimeError when
// either set is smaller than the k of the nearest-neighbour metrics plus one.
FeatureScores score_features(const NetworkOutputs& scored, const torch::Tensor& reference, const EvalSettings& settings);

// One network's block of the scorecard.
struct NetworkCard {
  PretrainedNetwork network = PretrainedNetwork::kEfficientNetLite0;
  std::string weights;
  int64_t dims = 0;
  std::string reference;  // what the figures are measured against, e.g. "10000 test images"
  std::string floor;      // what the real-data column is, e.g. "10000 training images"
  int64_t reference_count = 0;
  std::optional<FeatureScores> scored;  // absent when only the real data was scored
  FeatureScores real;
  double seconds_per_1000 = 0;  // the network pass, per 1,000 images, on the eval's device
};

}  // namespace genai::eval
