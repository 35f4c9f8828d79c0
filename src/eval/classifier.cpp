#include "genai/eval/classifier.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "genai/error.h"
#include "genai/util/atomic_file.h"
#include "genai/util/record_file.h"
#include "genai/util/seeded_init.h"
#include "genai/util/sha256.h"

namespace genai::eval {
namespace {
namespace fs = std::filesystem;
namespace F = torch::nn::functional;

constexpr util::RecordFormat kClassifierFormat{"GENAI-CLASSIFIER", static_cast<uint32_t>(kClassifierVersion), "classifier file"};
constexpr int64_t kMaxClasses = 1000;

}  // namespace

std::string classifier_network_name(const ImageShape& shape) { return shape == kMnistShape ? "LeNet" : "ConvNet"; }

LeNet::LeNet(int64_t classes, ImageShape shape) : shape_(shape) {
  int64_t flat = 32 * 7 * 7;
  if (shape == kMnistShape) {
    conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 5).padding(2)));
    conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 5).padding(2)));
  } else {
    stages_ = register_module("stages", torch::nn::Sequential());
    int64_t in = shape.channels, out = 16;
    for (int64_t side = shape.size; side > 4; side /= 2) {
      stages_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)));
      stages_->push_back(torch::nn::ReLU());
      stages_->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
      in = out;
      out = std::min<int64_t>(2 * out, 64);
    }
    flat = in * 4 * 4;
  }
  fc1_ = register_module("fc1", torch::nn::Linear(flat, 128));
  fc2_ = register_module("fc2", torch::nn::Linear(128, kFeatureDim));
  fc3_ = register_module("fc3", torch::nn::Linear(kFeatureDim, classes));
  feature_scale_ = register_buffer("feature_scale", torch::ones({}));
}

std::string LeNet::network_name() const { return classifier_network_name(shape_); }

torch::Tensor LeNet::activations(const torch::Tensor& images) {
  torch::Tensor x;
  if (stages_) {
    // Sides that do not halve down to 4 exactly (e.g. 48 -> 24 -> 12 -> 6 -> 3) are averaged onto 4x4.
    x = stages_->forward(images);
    if (x.size(2) != 4 || x.size(3) != 4) x = F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({4, 4}));
  } else {
    x = F::max_pool2d(torch::relu(conv1_->forward(images)), F::MaxPool2dFuncOptions(2));
    x = F::max_pool2d(torch::relu(conv2_->forward(x)), F::MaxPool2dFuncOptions(2));
  }
  x = torch::relu(fc1_->forward(x.flatten(1)));
  return torch::relu(fc2_->forward(x));
}

torch::Tensor LeNet::features(const torch::Tensor& images) { return activations(images) / feature_scale_; }
torch::Tensor LeNet::logits(const torch::Tensor& features) { return fc3_->forward(features * feature_scale_); }

void LeNet::calibrate_feature_scale(const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  const bool was_training = is_training();
  eval();
  auto sum_squares = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(feature_scale_.device()));
  for (int64_t first = 0; first < images.size(0); first += 1000) {
    const auto batch = images.narrow(0, first, std::min<int64_t>(1000, images.size(0) - first));
    sum_squares += activations(batch.to(feature_scale_.device())).to(torch::kFloat64).pow(2).sum();
  }
  const double rms = std::sqrt(sum_squares.item<double>() / (static_cast<double>(images.size(0)) * kFeatureDim));
  feature_scale_.fill_(rms > 0 ? rms : 1.0);
  train(was_training);
}

ClassifierOutputs classify(LeNet& net, const torch::Tensor& images, torch::Device device, int64_t batch_size) {
  c10::InferenceMode inference;
  net.eval();
  std::vector<torch::Tensor> features, probabilities;
  for (int64_t first = 0; first < images.size(0); first += batch_size) {
    const auto batch = images.narrow(0, first, std::min(batch_size, images.size(0) - first)).to(device, torch::kFloat32);
    auto f = net.features(batch);
    probabilities.push_back(torch::softmax(net.logits(f).to(torch::kFloat64), 1).to(torch::kCPU));
    features.push_back(f.to(torch::kCPU));
  }
  ClassifierOutputs out;
  out.features = torch::cat(features);
  out.probabilities = torch::cat(probabilities);
  out.predicted = out.probabilities.argmax(1);
  return out;
}

double classifier_accuracy(LeNet& net, const data::ImageDataset& test, torch::Device device) {
  const auto out = classify(net, test.float_images(), device);
  return out.predicted.eq(test.labels.to(torch::kCPU)).to(torch::kFloat64).mean().item<double>();
}

Classifier train_classifier(const data::ImageDataset& train, const data::ImageDataset& test, const ClassifierRecipe& recipe, torch::Device device,
                            const std::function<void(const std::string&)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t n = recipe.max_train_images > 0 ? std::min(recipe.max_train_images, train.size()) : train.size();
  const int64_t classes = train.labels.max().item<int64_t>() + 1;
  if (classes < 2 || classes > kMaxClasses)
    throw RuntimeError("the eval classifier needs between 2 and " + std::to_string(kMaxClasses) + " classes; the labels give " +
                       std::to_string(classes));
  Classifier result;
  result.shape = train.shape();
  {
    const util::SeededInit seeded(recipe.seed);  // the initial weights follow the recipe's seed
    result.net = std::make_shared<LeNet>(classes, result.shape);
  }
  result.net->to(device);
  result.classes = classes;
  result.recipe = recipe;
  torch::optim::Adam optimizer(result.net->parameters(), torch::optim::AdamOptions(recipe.lr));
  data::ShuffledBatcher batcher(n, std::min(recipe.batch_size, n), recipe.seed, device);
  const auto images = train.float_images().narrow(0, 0, n), labels = train.labels.narrow(0, 0, n);
  for (int64_t epoch = 0; epoch < recipe.epochs; ++epoch) {
    static_cast<torch::optim::AdamOptions&>(optimizer.param_groups().front().options()).lr(recipe.lr * std::pow(recipe.lr_decay, epoch));
    result.net->train();
    auto loss_sum = torch::zeros({}, torch::TensorOptions().device(device));
    for (int64_t b = 0; b < batcher.batches_per_epoch(); ++b) {
      const auto index = batcher.next();
      optimizer.zero_grad();
      auto loss = F::cross_entropy(result.net->forward(images.index_select(0, index)), labels.index_select(0, index));
      loss.backward();
      optimizer.step();
      loss_sum += loss.detach();
    }
    if (progress) {
      char line[160];
      std::snprintf(line, sizeof line, "eval classifier: epoch %lld/%lld, mean loss %.4f, test accuracy %.2f %%", static_cast<long long>(epoch + 1),
                    static_cast<long long>(recipe.epochs), loss_sum.item<double>() / batcher.batches_per_epoch(),
                    100 * classifier_accuracy(*result.net, test, device));
      progress(line);
    }
  }
  result.net->calibrate_feature_scale(images.narrow(0, 0, std::min<int64_t>(n, 10000)));
  result.net->eval();
  result.test_accuracy = classifier_accuracy(*result.net, test, device);
  result.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void save_classifier(const std::string& path, const Classifier& classifier) {
  util::RecordWriter out;
  out.integer("classes", classifier.classes);
  // Recorded for other shapes only: a file without them is a 1x28x28 LeNet, as every file written before them.
  if (classifier.shape != kMnistShape) {
    out.integer("shape.channels", classifier.shape.channels);
    out.integer("shape.size", classifier.shape.size);
  }
  out.text("data_key", classifier.data_key);
  out.real("test_accuracy", classifier.test_accuracy);
  out.integer("recipe.epochs", classifier.recipe.epochs);
  out.integer("recipe.batch_size", classifier.recipe.batch_size);
  out.real("recipe.lr", classifier.recipe.lr);
  out.real("recipe.lr_decay", classifier.recipe.lr_decay);
  out.integer("recipe.seed", static_cast<int64_t>(classifier.recipe.seed));
  out.integer("recipe.max_train_images", classifier.recipe.max_train_images);
  out.module("net", *classifier.net);
  const auto file = util::seal_records(kClassifierFormat, out.bytes());
  util::write_file_atomically(path, file.data(), file.size());
}

Classifier load_classifier(const std::string& path, torch::Device device) {
  const auto records = util::read_record_file(kClassifierFormat, path);
  Classifier c;
  c.classes = records.get<int64_t>("classes");
  if (c.classes < 2 || c.classes > kMaxClasses) throw file_error(path, "corrupt classifier file: " + std::to_string(c.classes) + " classes");
  c.data_key = records.get<std::string>("data_key");
  c.test_accuracy = records.get<double>("test_accuracy");
  c.recipe.epochs = records.get<int64_t>("recipe.epochs");
  c.recipe.batch_size = records.get<int64_t>("recipe.batch_size");
  c.recipe.lr = records.get<double>("recipe.lr");
  c.recipe.lr_decay = records.get<double>("recipe.lr_decay");
  c.recipe.seed = static_cast<uint64_t>(records.get<int64_t>("recipe.seed"));
  c.recipe.max_train_images = records.get<int64_t>("recipe.max_train_images");
  if (records.has("shape.channels")) {
    c.shape = {records.get<int64_t>("shape.channels"), records.get<int64_t>("shape.size")};
    if ((c.shape.channels != 1 && c.shape.channels != 3) || c.shape.size < 4 || c.shape.size > kMaxImageSize)
      throw file_error(path, "corrupt classifier file: images of " + c.shape.describe());
  }
  {
    const util::SeededInit seeded(0);  // the weights are read next: construction must not consume the caller's stream
    c.net = std::make_shared<LeNet>(c.classes, c.shape);
  }
  records.load_module("net", *c.net);
  c.net->to(device);
  c.net->eval();
  c.path = path;
  return c;
}

std::string dataset_key(const data::IdxFiles& files) {
  std::string digests = "genai-classifier-v" + std::to_string(kClassifierVersion);
  for (const auto* file : {&files.train_images, &files.train_labels, &files.test_images, &files.test_labels})
    digests += "\n" + util::sha256_file(*file);
  return util::sha256_hex(digests);
}

std::string cached_classifier_path(const data::IdxFiles& files, const std::string& key, torch::Device device) {
  return cached_classifier_path(ClassifierCache{key, fs::path(files.train_images).parent_path().string()}, device);
}

ClassifierCache classifier_cache(const data::IdxFiles& files) { return {dataset_key(files), fs::path(files.train_images).parent_path().string()}; }

ClassifierCache classifier_cache(const data::ImageSet& train, const data::ImageSet& test, const std::string& directory) {
  auto bytes_of = [](const torch::Tensor& t) {
    const auto c = t.contiguous();
    return std::string(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
  };
  std::string digests = "genai-classifier-v" + std::to_string(kClassifierVersion) + "\n" + train.shape().describe();
  for (const auto* set : {&train, &test}) digests += "\n" + util::sha256_hex(bytes_of(set->images)) + "\n" + util::sha256_hex(bytes_of(set->labels));
  return {util::sha256_hex(digests), directory};
}

std::string cached_classifier_path(const ClassifierCache& cache, torch::Device device) {
  // One cache per device type: a classifier trained on CUDA (cuDNN, TF32) has other weights than one
  // trained on the CPU, so its features, and every FD computed in them, would differ from a CPU run's.
  const std::string device_type = device.is_cpu() ? "" : "-" + torch::DeviceTypeName(device.type(), /*lower_case=*/true);
  return (fs::path(cache.directory) /
          ("genai-classifier-v" + std::to_string(kClassifierVersion) + device_type + "-" + cache.key.substr(0, 16) + ".bin"))
      .string();
}

Classifier obtain_classifier(const ClassifierSource& source, const data::IdxFiles& files, const data::ImageDataset& train,
                             const data::ImageDataset& test, torch::Device device, const std::function<void(const std::string&)>& progress) {
  return obtain_classifier(source, classifier_cache(files), train, test, device, progress);
}

Classifier obtain_classifier(const ClassifierSource& source, const ClassifierCache& cached, const data::ImageDataset& train,
                             const data::ImageDataset& test, torch::Device device, const std::function<void(const std::string&)>& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  if (!source.file.empty()) {
    auto classifier = load_classifier(source.file, device);
    if (classifier.shape != train.shape())
      throw file_error(source.file, "is a classifier of " + classifier.shape.describe() + " images, but the data is read as " +
                                        train.shape().describe() + "; drop --classifier to use (or train) one for this data");
    if (classifier.data_key != cached.key) say("note: " + source.file + " was trained on other data files than the ones evaluated against");
    return classifier;
  }
  const std::string& key = cached.key;
  const std::string cache = cached_classifier_path(cached, device);
  std::error_code ec;
  if (!source.retrain && fs::exists(cache, ec)) {
    try {
      auto classifier = load_classifier(cache, device);
      // A cache trained with another recipe (e.g. a quick --classifier-epochs 1) is not silently reused.
      if (classifier.data_key == key && classifier.recipe.epochs == source.recipe.epochs && classifier.recipe.seed == source.recipe.seed)
        return classifier;
      say("cached classifier " + cache + " belongs to other data or another recipe; training a new one");
    } catch (const RuntimeError& e) {
      say(std::string("cached classifier unusable (") + e.what() + "); training a new one");
    }
  }
  say("training the eval classifier on " + std::to_string(train.size()) + " images (once per dataset; cached in " + cache + ")");
  auto classifier = train_classifier(train, test, source.recipe, device, progress);
  classifier.data_key = key;
  try {
    save_classifier(cache, classifier);
    classifier.path = cache;
  } catch (const std::exception& e) {
    say(std::string("could not cache the classifier (") + e.what() + "); it will be trained again next time");
  }
  return classifier;
}

}  // namespace genai::eval
