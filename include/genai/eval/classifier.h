#pragma once
// The feature network of `genai eval`: a LeNet-style classifier that genai trains itself on the
// dataset's training split, because Inception weights cannot be downloaded here (nor on many GPU
// clusters). Its 64-d penultimate layer is the feature space of FD-LeNet, KID and the k-NN metrics; its
// class probabilities give the classifier score and mode coverage. On labelled data of any other shape (CIFAR
// files, class folders, RGB) the same role is played by a ConvNet sized to the images (see LeNet below).
//
// A trained classifier is cached beside the data, keyed by the SHA-256 of the data files and
// kClassifierVersion (IDX files at their own 1x28x28) or of the images and labels as read, in genai's record
// format ("GENAI-CLASSIFIER" header, CRC-checked).
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

#include "genai/data/dataset.h"
#include "genai/data/image_set.h"
#include "genai/data/locate.h"
#include "genai/image_shape.h"

namespace genai::eval {

// Bump when the architecture or the training recipe changes: old cache files are then ignored.
inline constexpr int64_t kClassifierVersion = 1;
inline constexpr int64_t kFeatureDim = 64;

// 1x28x28 ("LeNet"): conv 5x5 (1 -> 16) + ReLU + 2x2 max-pool -> conv 5x5 (16 -> 32) + ReLU + max-pool -> 1568
// -> 128 -> 64 (ReLU after each) -> classes logits.
// Any other shape C x S x S ("ConvNet"): stages of conv 3x3 + ReLU + 2x2 max-pool (16, 32, 64, 64, ... channels)
// until the side is at most 4 (32 px: three stages), an average pool to 4x4, then -> 128 -> 64 -> classes as
// above: about LeNet's cost per image at 32 px, so CIFAR-10 trains in minutes on two cores.
// Input: [B, C, S, S] in [-1, 1], the range genai's generators produce. The features are the 64 activations
// divided by one constant, their root mean square over the training images (set after training, stored with the
// weights): KID's kernel (x.y / d + 1)^3 assumes features of order one, and raw activations of order ten made its
// subset estimates swing wildly.
class LeNet : public torch::nn::Module {
 public:
  explicit LeNet(int64_t classes, ImageShape shape = kMnistShape);
  const ImageShape& shape() const { return shape_; }
  // "LeNet" (1x28x28) or "ConvNet": the figures' names (FD-LeNet, FD-ConvNet).
  std::string network_name() const;
  torch::Tensor features(const torch::Tensor& images);
  torch::Tensor logits(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& images) { return logits(features(images)); }
  // Sets the feature scale to the RMS of the current activations of `images`.
  void calibrate_feature_scale(const torch::Tensor& images);

 private:
  torch::Tensor activations(const torch::Tensor& images);
  ImageShape shape_;
  torch::Tensor feature_scale_;                        // scalar buffer, 1 until calibrated
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};  // LeNet
  torch::nn::Sequential stages_{nullptr};              // ConvNet
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

// The name of the classifier genai trains for images of `shape` ("LeNet" or "ConvNet").
std::string classifier_network_name(const ImageShape& shape);

struct Classifier {
  std::shared_ptr<LeNet> net;
  int64_t classes = 0;
  ImageShape shape;
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

// Where a classifier for some data is cached, and the key that identifies the data.
struct ClassifierCache {
  std::string key;        // 64 hex digits
  std::string directory;  // the cache file's folder
};
// IDX files read at their own 1x28x28: dataset_key(files), beside the training images (the cache genai always used).
ClassifierCache classifier_cache(const data::IdxFiles& files);
// Any other labelled data: the key hashes kClassifierVersion, the shape and the bytes of the images and labels as
// read (so another --image-size or --channels, or a changed file, is another classifier).
ClassifierCache classifier_cache(const data::ImageSet& train, const data::ImageSet& test, const std::string& directory);
std::string cached_classifier_path(const ClassifierCache& cache, torch::Device device = torch::kCPU);

struct ClassifierSource {
  std::string file;      // --classifier FILE: use this one, whatever it was trained on
  bool retrain = false;  // --retrain-classifier: ignore the cache
  ClassifierRecipe recipe;
};
// The classifier to evaluate with: `source.file`, else the cached one for this data, else a new one
// trained now and cached (a cache that cannot be written is reported through `progress`, not fatal).
Classifier obtain_classifier(const ClassifierSource& source, const ClassifierCache& cache, const data::ImageDataset& train,
                             const data::ImageDataset& test, torch::Device device, const std::function<void(const std::string&)>& progress);
// The same for IDX files read at their own shape (classifier_cache(files)).
Classifier obtain_classifier(const ClassifierSource& source, const data::IdxFiles& files, const data::ImageDataset& train,
                             const data::ImageDataset& test, torch::Device device, const std::function<void(const std::string&)>& progress);

}  // namespace genai::eval
