#pragma once
// `genai eval` as a library entry point: reads the data, obtains the classifier, prepares the real-data
// reference, scores the generator (when there is one) next to real training images, and for conditional
// generators adds the per-class scores and, on request, train-on-synthetic-test-on-real (TSTR).
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "genai/config.h"
#include "genai/data/image_set.h"
#include "genai/eval/classifier.h"
#include "genai/eval/feature_scores.h"
#include "genai/eval/report.h"
#include "genai/models/gan.h"

namespace genai::eval {

struct GeneratorToScore {
  std::shared_ptr<models::Generator> generator;
  ModelConfig model;
  std::string checkpoint;  // for the scorecard
  int64_t step = 0;
  bool ema = false;  // the weights are the EMA generator's
};

// Images made elsewhere (another tool's samples, a folder genai sample wrote), scored like a generator's.
struct ImagesToScore {
  std::string path;      // for the scorecard
  torch::Tensor images;  // uint8 [N, C, S, S], CPU
};

enum class ClassifierFigures { kNo, kYes, kIfLabelled };

struct NetworkRequest {
  PretrainedNetwork network = PretrainedNetwork::kEfficientNetLite0;
  std::string weights;  // its file
};

struct EvaluationRequest {
  std::string data;                // mnist, fashion-mnist or a directory (IDX, CIFAR batches, an image folder)
  std::string data_root = "data";  // where mnist and fashion-mnist live
  data::LoadOptions load;          // how --data is read (size, channels, cache) for the pretrained networks
  // FD-LeNet (FD-ConvNet) and the other figures of genai's own classifier: they need labelled data (IDX, CIFAR, a
  // folder of class folders) read at the scored images' shape. kIfLabelled: where the data has labels.
  ClassifierFigures classifier_figures = ClassifierFigures::kYes;
  std::vector<NetworkRequest> networks;
  EvalSettings settings;
  ClassifierSource classifier;
  std::optional<GeneratorToScore> generator;  // at most one of generator and images; neither: score only the real data
  std::optional<ImagesToScore> images;
  bool tstr = false;          // conditional generators only
  std::string save_features;  // a safetensors file for every pretrained network's features ("" for none)
  int64_t feature_batch = 0;  // images per pretrained-network batch; 0: default_batch_size()
  torch::Device device = torch::kCPU;
};

// The scorecard. `progress` gets one line per long phase. Throws UsageError for TSTR without a conditional
// generator, classifier figures on unlabelled data or for images of another shape than the data's, RuntimeError when
// the generator's classes do not match the data's.
Scorecard evaluate(const EvaluationRequest& request, const std::function<void(const std::string&)>& progress);

}  // namespace genai::eval
