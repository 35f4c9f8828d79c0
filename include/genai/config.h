#pragma once
// Typed configuration: library defaults live here, the CLI fills these structs from a TOML file and
// flags, and validate() checks them once. Everything downstream takes them as const references.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "genai/config/closed_set.h"
#include "genai/image_shape.h"

namespace genai {

// The architectures (ModelKind, spelt in genai/config/closed_set.h). Code asks a kind for its properties instead
// of comparing names.
// Class-conditional: G and D take labels (projection discriminator).
constexpr bool is_conditional(ModelKind kind) { return kind == ModelKind::kCmlp || kind == ModelKind::kCdcgan; }
// DCGAN layers (LibTorch's threads do the work) rather than Linear layers (BLAS does).
constexpr bool is_convolutional(ModelKind kind) { return kind == ModelKind::kDcgan || kind == ModelKind::kCdcgan; }
// Throws UsageError `model = "NAME" is unknown; use mlp, dcgan, cmlp or cdcgan`.
ModelKind model_kind(std::string_view name);
// "mlp, dcgan, cmlp or cdcgan"
inline std::string model_kind_names() { return member_names<ModelKind>(); }

struct AdamConfig {
  double lr = 2e-4;
  double beta1 = 0.5;  // DCGAN (Radford et al. 2015): 0.9 oscillates
  double beta2 = 0.999;
};

struct ModelConfig {
  ModelKind kind = ModelKind::kMlp;
  // The images' shape: channels (1 or 3) and side. 0 before the data resolves it (the data's own, or what
  // --channels / --image-size asked); a checkpoint written before shapes were recorded reads as 1x28x28.
  int64_t channels = 0;
  int64_t image_size = 0;
  int64_t z_dim = 100;
  // mlp: the design's layer sizes. The bare design collapses to one or two modes (docs/training.md);
  // BatchNorm after each hidden generator layer is what made it cover the digits, so it is on by default.
  std::vector<int64_t> g_hidden = {256, 128, 64};
  std::vector<int64_t> d_hidden = {256, 128};
  GeneratorNorm g_norm = GeneratorNorm::kBatch;  // mlp generator
  // dcgan: channels of the feature maps at half the image side (14x14 for 28x28 images); each further halving
  // doubles them, up to 8x (genai/models/dcgan.h).
  int64_t dcgan_channels = 64;
  // The discriminator, every kind: spectral normalization of its Linear and Conv2d weights (Miyato et al. 2018),
  // and the minibatch-standard-deviation feature over groups of this many images (Karras et al. 2018; 0: none).
  bool spectral_norm = false;
  int64_t minibatch_stddev = 0;
  // Unconditional kinds: InfoGAN's categorical latent code with this many values (genai/models/latent_code.h; 0: none).
  int64_t info_codes = 0;
  // Unconditional kinds: G and D conditioned on this many k-means clusters of the training images, G drawing its
  // cluster from z at the clusters' frequencies (genai/data/clusters.h, genai/models/latent_code.h; 0: none).
  int64_t clusters = 0;
  // Conditional models: the number of classes, set from the training labels (not a flag) and recorded
  // in checkpoints with the class names where the dataset has them.
  int64_t classes = 0;
  std::vector<std::string> class_names;
};

// The model's image shape: the legacy 1x28x28 for what is not set (checkpoints from before shapes).
inline ImageShape image_shape(const ModelConfig& model) {
  return {model.channels > 0 ? model.channels : kMnistShape.channels, model.image_size > 0 ? model.image_size : kMnistShape.size};
}
// The model with image_shape(model) in channels and image_size: what a checkpoint's meta and an export name.
inline ModelConfig with_image_shape(ModelConfig model) {
  const ImageShape shape = image_shape(model);
  model.channels = shape.channels;
  model.image_size = shape.size;
  return model;
}

struct TrainConfig {
  ModelConfig model;
  std::string data = "mnist";      // mnist | fashion-mnist | a directory of IDX files, CIFAR batches or images (genai/data/image_set.h)
  bool skip_bad_images = false;    // image folders: skip (and count) files that cannot be decoded instead of stopping
  std::string image_cache;         // image folders: the decoded-image cache's directory; empty: DIR/.genai-cache
  std::string data_root = "data";  // where `mnist` and `fashion-mnist` are looked up
  std::string device = "auto";     // auto | cpu | cuda | cuda:N
  int64_t threads = 0;             // 0: one per core
  uint64_t seed = 0;
  int64_t steps = 0;   // total steps; 0: use epochs
  int64_t epochs = 0;  // used when steps is 0; both 0: 10000 steps
  int64_t batch_size = 64;
  AdamConfig adam_g;
  AdamConfig adam_d;
  double lr_decay_start = 1;  // fraction of the steps after which both learning rates fall linearly towards 0 (1: constant)
  int64_t log_every = 100;
  int64_t sample_every = 1000;
  int64_t checkpoint_every = 5000;
  int64_t keep_checkpoints = 3;
  int64_t sample_grid = 64;          // images in the fixed-noise sample grids
  int64_t eval_every = 0;            // steps between quick evals (FD-LeNet, classifier score, modes) in metrics.jsonl; 0: none
  int64_t eval_samples = 2000;       // generated images per quick eval
  bool tensorboard = true;           // write tb/events.out.tfevents.* in the run directory (costs < 1 % of a step; docs/speed.md)
  double ema_decay = 0;              // > 0: keep an exponential moving average of G's weights (sample and eval use it)
  Loss loss = Loss::kBce;            // the adversarial objective (genai/losses.h)
  double gp_weight = 10;             // wgan-gp: lambda of the gradient penalty lambda E(||grad D(x^)|| - 1)^2
  Augment augment = Augment::kNone;  // DiffAugment before D (genai/train/augment.h)
  double r1_gamma = 0;               // > 0: R1 penalty gamma/2 E||grad_x D(x)||^2 on real images (Mescheder et al. 2018)
  int64_t r1_every = 16;             // lazy R1: every this many steps, scaled by it (StyleGAN2)
  double mode_seeking = 0;           // > 0: weight of MSGAN's mode-seeking term in G's loss (genai/losses.h); 0: none
  double info_weight = 1;            // model.info_codes > 0: weight lambda of the code's cross-entropy in G's and D's losses
  std::string max_time;              // e.g. "3h55m": stop with a checkpoint before this much wall time; empty: no limit
  OnNan on_nan = OnNan::kStop;       // what a NaN/Inf in losses or weights does
  double dist_timeout = 300;         // data-parallel: seconds a rank waits for the others before it gives up with an error
  std::string out;                   // run directory; empty: runs/<model>-<timestamp>
  bool force = false;                // allow an existing non-empty run directory
};

inline constexpr int64_t kDefaultSteps = 10000;

// What `genai train --model KIND` uses for every key the user does not give: TrainConfig's plain objective (BCE,
// Adam) with the kind's preset objective on top (configs/mnist-KIND.toml: R1, EMA, learning rates, mode-seeking,
// clusters), at the default step count (docs/training.md, Choosing defaults, has what each kind reaches there).
// The library's TrainConfig{} stays the plain objective: genai bench and tests name what they change. A resumed
// run keeps its saved config, and the presets spell out every key these change (Config.EveryPresetSpells...).
TrainConfig model_defaults(ModelKind kind);
// --on-nan rollback: each rollback multiplies both learning rates by this, at most kMaxRollbacks times.
inline constexpr double kRollbackLearningRateFactor = 0.5;
inline constexpr int kMaxRollbacks = 3;

// "3h55m", "90s", "2h", "1d12h", "45m30s" or plain seconds ("600"). Throws UsageError naming `key`.
double parse_duration_seconds(const std::string& text, const std::string& key);

// Throws genai::UsageError naming every invalid value, its key and the allowed range: each number's range from
// the schema (genai/config/schema.h), then the rules that tie fields together.
void validate(const TrainConfig& config);
// The model's fields alone (a checkpoint's saved model), appended to `problems`.
void validate(const ModelConfig& model, std::vector<std::string>& problems);

// The resolved config as TOML with a [train] section; `genai train --config FILE` reads it back. Written from
// the schema (genai/config/schema.h), in src/config/schema.cpp.
std::string to_toml(const TrainConfig& config);

}  // namespace genai
