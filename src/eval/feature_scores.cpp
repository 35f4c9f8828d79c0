#include "genai/eval/feature_scores.h"

#include <chrono>

#include "genai/data/dataset.h"
#include "genai/error.h"
#include "genai/eval/class_scores.h"
#include "genai/eval/efficientnet_lite.h"
#include "genai/eval/frechet.h"
#include "genai/eval/inception.h"
#include "genai/eval/kid.h"

namespace genai::eval {

const char* name(PretrainedNetwork network) { return network == PretrainedNetwork::kInception ? "inception" : "efficientnet-lite0"; }

const char* metric_name(PretrainedNetwork network) { return network == PretrainedNetwork::kInception ? "fid" : "fd_efficientnet_lite0"; }

const char* describe(PretrainedNetwork network) {
  return network == PretrainedNetwork::kInception
             ? "pytorch-fid's Inception-v3 (2048-d pool, 299x299): FID as papers using pytorch-fid report it, at equal sample counts"
             : "ImageNet-trained EfficientNet-Lite0 (1280-d pool, 224x224): NOT Inception FID, compare it only with itself";
}

LoadedNetwork load_pretrained_network(PretrainedNetwork kind, const std::string& weights, torch::Device device) {
  LoadedNetwork loaded;
  loaded.kind = kind;
  loaded.weights = weights;
  if (kind == PretrainedNetwork::kInception) {
    auto net = load_fid_inception(weights);
    net->to(device);
    loaded.network = net.get();
    loaded.module = net.ptr();
  } else {
    auto net = load_efficientnet_lite0(weights);
    net->to(device);
    loaded.network = net.get();
    loaded.module = net.ptr();
  }
  return loaded;
}

int64_t default_batch_size(PretrainedNetwork network, torch::Device device) {
  if (device.is_cuda()) return 250;
  // Measured on 2 cores: EfficientNet-Lite0 16 s per 1,000 images at 25, 27 s at 100 (larger activations than the
  // caches hold).
  (void)network;
  return 25;
}

NetworkOutputs network_outputs(const LoadedNetwork& loaded, const torch::Tensor& images, torch::Device device, int64_t batch_size,
                               bool probabilities) {
  if (images.dim() != 4 || images.scalar_type() != torch::kUInt8 || (images.size(1) != 1 && images.size(1) != 3))
    throw RuntimeError("a feature network scores uint8 [N, 1 or 3, H, W] images");
  const auto start = std::chrono::steady_clock::now();
  c10::InferenceMode inference;
  const int64_t n = images.size(0);
  auto& net = *loaded.network;
  NetworkOutputs out;
  out.features = torch::empty({n, net.feature_dim()}, torch::kFloat32);
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t count = std::min(batch_size, n - begin);
    auto rgb = images.narrow(0, begin, count).to(device).to(torch::kFloat32).div_(255.0);
    if (rgb.size(1) == 1) rgb = rgb.expand({count, 3, rgb.size(2), rgb.size(3)});
    const auto features = net.features(rgb);
    out.features.narrow(0, begin, count).copy_(features);
    if (probabilities) {
      const auto p = torch::softmax(net.logits(features), 1).to(torch::kCPU);
      if (!out.probabilities.defined()) out.probabilities = torch::empty({n, p.size(1)}, torch::kFloat32);
      out.probabilities.narrow(0, begin, count).copy_(p);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

FeatureScores score_features(const NetworkOutputs& scored, const torch::Tensor& reference, const EvalSettings& settings) {
  const int64_t k = std::max(settings.precision_recall_k, settings.density_coverage_k);
  const auto& features = scored.features;
  if (features.size(0) <= k || reference.size(0) <= k)
    throw RuntimeError("cannot score " + std::to_string(features.size(0)) + " images against " + std::to_string(reference.size(0)) +
                       ": the nearest-neighbour metrics need more than k = " + std::to_string(k) + " on each side");
  FeatureScores s;
  s.count = features.size(0);
  s.frechet_distance = frechet_distance(gaussian_statistics(features), gaussian_statistics(reference));
  s.kid = kernel_inception_distance(features, reference, settings.kid_subsets, settings.kid_subset_size, settings.seed);
  const int64_t m = reference.size(0);
  const auto neighbours =
      s.count > m ? features.index_select(0, data::ShuffledBatcher::permutation(s.count, settings.seed, 0).narrow(0, 0, m)) : features;
  s.neighbour_count = neighbours.size(0);
  s.precision_recall = precision_recall(reference, neighbours, settings.precision_recall_k);
  s.density_coverage = density_coverage(reference, neighbours, settings.density_coverage_k);
  if (scored.probabilities.defined() && s.count >= settings.score_splits)
    s.inception_score = classifier_score(scored.probabilities, settings.score_splits);
  return s;
}

}  // namespace genai::eval
