#pragma once
// The feature network of `genai eval`: a LeNet-style classifier that genai trains itself on the
// dataset's training split, because Inception weights cannot be downloaded here (nor on many GPU
// clusters). Its 64-d penultimate layer is the feature space of FD-LeNet, KID and the k-NN metrics; its
// class probabilities give the classifier score and mode coverage.
//
// A trained classifier is cached beside the data, keyed by the SHA-256 of the data files and
// kClassifierVersion, in genai's record format ("GENAI-CLASSIFIER" header, CRC-checked).
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

#include "genai/data/dataset.h"
#include "genai/data/locate.h"

namespace genai::eval {

// Bump when the architecture or the training recipe changes: old cache files are then ignored.
inline constexpr int64_t kClassifierVersion = 1;
inline constexpr int64_t kFeatureDim = 64;

// conv 5x5 (1 -> 16) + ReLU + 2x2 max-pool -> conv 5x5 (16 -> 32) + ReLU + max-pool -> 1568 -> 128 -> 64
// (ReLU after each) -> classes logits. Input: [B, 1, 28, 28] in [-1, 1], the range genai's generators
// produce. The features are the 64 activations divided by one constant, their root mean square over the
// training images (set after training, stored with the weights): KID's kernel (x.y / d + 1)^3 assumes
// features of order one, and raw activations of order ten made its subset estimates swing wildly.
class LeNet : public torch::nn::Module {
 public:
  explicit LeNet(int64_t classes);
  torch::Tensor features(const torch::Tensor& images);
  torch::Tensor logits(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& images) { return logits(features(images)); }
  // Sets the feature scale to the RMS of the current activations of `images`.
  void calibrate_feature_scale(const torch::Tensor& images);

 private:
  torch::Tensor activations(const torch::Tensor& images);
  torch::Tensor feature_scale_;  // scalar buffer, 1 until calibrated
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
};

struct ClassifierRecipe {
  int64_t epochs = 8;
  int64_t batch_size = 64;
  double lr = 1e-3;       // Adam, for the first epoch
  double lr_decay = 0.7;  // the learning rate is multiplied by this after every epoch
  uint64_t seed = 0;
  int64_t max_train_images = 0;  // 0: the whole training split (tests use fewer)
};

struct Classifier {
  std::shared_ptr<LeNet> net;
  int64_t classes = 0;
  std::string data_key;      // dataset_key() of the data it was trained on
  double test_accuracy = 0;  // on the test split, when trained
  double train_seconds = 0;
  ClassifierRecipe recipe;
  std::string path;  // the file it was loaded from or saved to ("" if neither)
};

// Features (float32 [N, 64]), class probabilities (float32 [N, C]) and predicted classes (int64 [N]),
// all on the CPU, computed in batches under inference mode on `device`.
struct ClassifierOutputs {
  torch::Tensor features;
  torch::Tensor probabilities;
  torch::Tensor predicted;
};
ClassifierOutputs classify(LeNet& net, const torch::Tensor& images, torch::Device device, int64_t batch_size = 1000);

// Share of `test` images classified as their label.
double classifier_accuracy(LeNet& net, const data::ImageDataset& test, torch::Device device);

// Deterministic for a given recipe (seed), device and thread count. `progress` gets one line per epoch.
Classifier train_classifier(const data::ImageDataset& train, const data::ImageDataset& test, const ClassifierRecipe& recipe, torch::Device device,
                            const std::function<void(const std::string&)>& progress);

void save_classifier(const std::string& path, const Classifier& classifier);
// Throws genai::RuntimeError naming the file when it is not a valid classifier file.
Classifier load_classifier(const std::string& path, torch::Device device);

// SHA-256 (hex) over the four data files' SHA-256 digests and kClassifierVersion.
std::string dataset_key(const data::IdxFiles& files);
// "<directory of the training images>/genai-classifier-v<version>-<first 16 hex digits of key>.bin"
// CPU: genai-classifier-vN-KEY.bin; other device types add theirs (genai-classifier-vN-cuda-KEY.bin).
std::string cached_classifier_path(const data::IdxFiles& files, const std::string& key, torch::Device device = torch::kCPU);

struct ClassifierSource {
  std::string file;      // --classifier FILE: use this one, whatever it was trained on
  bool retrain = false;  // --retrain-classifier: ignore the cache
  ClassifierRecipe recipe;
};
// The classifier to evaluate with: `source.file`, else the cached one for this data, else a new one
// trained now and cached (a cache that cannot be written is reported through `progress`, not fatal).
Classifier obtain_classifier(const ClassifierSource& source, const data::IdxFiles& files, const data::ImageDataset& train,
                             const data::ImageDataset& test, torch::Device device, const std::function<void(const std::string&)>& progress);

}  // namespace genai::eval
