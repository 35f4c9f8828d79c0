#include "genai/config/schema.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <sstream>

#include "genai/error.h"

namespace genai {
namespace {

// A TrainField's accessor: +[] turns the captureless lambda into the function pointer the variant holds.
#define GENAI_MEMBER(member) +[](TrainConfig& c) -> decltype((c.member)) { return c.member; }

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string toml_number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  std::string text = s.str();
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";  // a TOML float, not an integer
  return text;
}

std::string bound(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The checks the table below uses.
FieldCheck in(double min, double max, const char* note = nullptr) {
  FieldCheck c;
  c.min = min;
  c.max = max;
  c.note = note;
  return c;
}
FieldCheck at_least(double min, const char* note = nullptr) {
  FieldCheck c;
  c.min = min;
  c.note = note;
  return c;
}
FieldCheck unit_open() {  // (0, 1): learning rates
  FieldCheck c = in(0, 1);
  c.min_open = c.max_open = true;
  return c;
}
FieldCheck unit_from_zero(const char* note = nullptr) {  // [0, 1): betas, decays
  FieldCheck c = in(0, 1, note);
  c.max_open = true;
  return c;
}

bool within(const FieldCheck& check, double v) {
  return (check.min_open ? v > check.min : v >= check.min) && (check.max_open ? v < check.max : v <= check.max);
}

// "must be in [1, 65536]", "must be at least 0 (0: use epochs)".
std::string requirement(const FieldCheck& check) {
  std::string text = "must be ";
  if (check.max == std::numeric_limits<double>::infinity())
    text += (check.min_open ? "above " : "at least ") + bound(check.min);
  else
    text += "in " + describe(check);
  return check.note ? text + " (" + check.note + ")" : text;
}

template <class T>
constexpr bool kIsClosedSet = std::is_enum_v<T>;  // every enum field is a closed set (genai/config/closed_set.h)

const char* key_type_name(std::string_view key) { return key == "model" ? "KIND" : "NAME"; }

std::string toml_line(const TrainField& field, const TrainConfig& config) {
  return std::string(field.key) + " = " + toml_value(field, config) + "\n";
}

}  // namespace

const std::vector<TrainField>& train_fields() {
  static const std::vector<TrainField> fields = {
      {"model", "Architecture (cmlp and cdcgan are class-conditional)", false, GENAI_MEMBER(model.kind)},
      {"z-dim", "Latent size", false, GENAI_MEMBER(model.z_dim), in(1, 4096)},
      {"g-hidden", "mlp: generator hidden sizes", false, GENAI_MEMBER(model.g_hidden), in(1, 65536)},
      {"d-hidden", "mlp: discriminator hidden sizes", false, GENAI_MEMBER(model.d_hidden), in(1, 65536)},
      {"g-norm", "mlp: generator normalization (none is the bare design, which collapses)", false, GENAI_MEMBER(model.g_norm)},
      {"image-size", "Side of the square images the model makes; the data is centre-cropped and resized to it (0: the data's own)", false,
       GENAI_MEMBER(model.image_size), in(0, kMaxImageSize, "0: the data's own")},
      {"channels", "Image channels: 1 (grayscale) or 3 (RGB); the data is converted (0: the data's own: 1 for IDX, 3 for CIFAR and folders)", false,
       GENAI_MEMBER(model.channels), in(0, 3, "0: the data's own")},
      {"dcgan-channels", "dcgan: channels at half the image side (14x14 for 28x28), doubling per halving up to 8x", false,
       GENAI_MEMBER(model.dcgan_channels), in(1, 4096)},
      {"spectral-norm", "Spectral normalization of every Linear and Conv2d weight of D (one power iteration per forward)", false,
       GENAI_MEMBER(model.spectral_norm)},
      {"minibatch-stddev", "D gets the minibatch standard deviation over groups of this many images as an extra feature (0: none), e.g. 4", false,
       GENAI_MEMBER(model.minibatch_stddev), in(0, 256, "0: none")},
      {"info-codes",
       "mlp, dcgan: InfoGAN's categorical latent code with this many values, which D learns to read back from G's images (0: none), "
       "e.g. 10",
       false, GENAI_MEMBER(model.info_codes), in(0, 256, "0: none")},
      {"clusters",
       "mlp, dcgan: condition G and D on this many k-means clusters of the training images (self-conditioned; no labels used), "
       "G drawing its cluster from z at the clusters' frequencies (0: none), e.g. 50",
       false, GENAI_MEMBER(model.clusters), in(0, 256, "0: none")},
      {"data", "mnist | fashion-mnist | DIR of IDX files (raw or .gz), of CIFAR-10/100 binary batches, or of images (PNG, JPEG, BMP)", false,
       GENAI_MEMBER(data)},
      {"skip-bad-images", "Image folders: skip files that cannot be decoded (and report how many) instead of stopping", false,
       GENAI_MEMBER(skip_bad_images)},
      {"data-root", "Where mnist and fashion-mnist live (scripts/get-data.sh puts them in data/)", true, GENAI_MEMBER(data_root)},
      {"device", "auto | cpu | cuda | cuda:N", true, GENAI_MEMBER(device)},
      {"threads", "CPU cores to use (0: all); genai splits them between LibTorch and BLAS by model", true, GENAI_MEMBER(threads),
       in(0, 1024, "0: one per core")},
      {"seed", "Seed for initialisation, data order and noise", false, GENAI_MEMBER(seed)},
      {"steps", "Total training steps (0: use --epochs)", true, GENAI_MEMBER(steps), at_least(0, "0: use epochs")},
      {"epochs", "Epochs, when --steps is 0 (both 0: 10000 steps)", true, GENAI_MEMBER(epochs), at_least(0)},
      {"batch-size", "Images per batch", false, GENAI_MEMBER(batch_size), in(1, 65536)},
      {"lr-g", "Generator Adam learning rate", false, GENAI_MEMBER(adam_g.lr), unit_open()},
      {"beta1-g", "Generator Adam beta1", false, GENAI_MEMBER(adam_g.beta1), unit_from_zero()},
      {"beta2-g", "Generator Adam beta2", false, GENAI_MEMBER(adam_g.beta2), unit_from_zero()},
      {"lr-d", "Discriminator Adam learning rate", false, GENAI_MEMBER(adam_d.lr), unit_open()},
      {"beta1-d", "Discriminator Adam beta1", false, GENAI_MEMBER(adam_d.beta1), unit_from_zero()},
      {"beta2-d", "Discriminator Adam beta2", false, GENAI_MEMBER(adam_d.beta2), unit_from_zero()},
      {"lr-decay-start",
       "Fraction of the steps after which both learning rates fall linearly, to 1/(the decay's steps) of theirs at the last step, e.g. 0.5 "
       "(1: constant rates)",
       false, GENAI_MEMBER(lr_decay_start), in(0, 1, "1: constant rates")},
      {"log-every", "Steps between metrics lines", true, GENAI_MEMBER(log_every), at_least(1)},
      {"sample-every", "Steps between sample grids (0: only at the end)", true, GENAI_MEMBER(sample_every), at_least(0, "0: only at the end")},
      {"checkpoint-every", "Steps between checkpoints (0: only at the end)", true, GENAI_MEMBER(checkpoint_every), at_least(0, "0: only at the end")},
      {"keep-checkpoints", "Newest checkpoints to keep", true, GENAI_MEMBER(keep_checkpoints), at_least(1)},
      {"sample-grid", "Images in each fixed-noise sample grid", false, GENAI_MEMBER(sample_grid), in(1, 1024)},
      {"eval-every",
       "Steps between quick evals (FD-LeNet, classifier score, mode coverage) appended to metrics.jsonl (0: none); the first use "
       "trains genai eval's classifier",
       true, GENAI_MEMBER(eval_every), at_least(0, "0: no quick evals")},
      {"eval-samples", "Generated images per quick eval", true, GENAI_MEMBER(eval_samples), in(20, 100000)},
      {"ema-decay", "Keep an exponential moving average of G's weights with this decay, e.g. 0.999 (0: none); sample and eval use it unless --no-ema",
       false, GENAI_MEMBER(ema_decay), unit_from_zero("0: no EMA generator")},
      {"loss", "Adversarial objective (bce: non-saturating; hinge; lsgan: least squares; wgan-gp: Wasserstein with a gradient penalty)", false,
       GENAI_MEMBER(loss)},
      {"gp-weight", "wgan-gp: weight lambda of the gradient penalty on images between real and fake", false, GENAI_MEMBER(gp_weight), in(0, 1e6)},
      {"augment", "Differentiable augmentation of real and fake images before D", false, GENAI_MEMBER(augment)},
      {"r1", "R1 gradient penalty weight gamma on real images (0: none), e.g. 10 for BCE", false, GENAI_MEMBER(r1_gamma), in(0, 1e6, "0: none")},
      {"mode-seeking",
       "Weight of the mode-seeking term (MSGAN) in G's loss: pairs of images with the same class or code must differ as their noise does "
       "(0: none), e.g. 1",
       false, GENAI_MEMBER(mode_seeking), in(0, 1e6, "0: none")},
      {"info-weight", "Weight lambda of the code's cross-entropy in G's and D's losses (with --info-codes)", false, GENAI_MEMBER(info_weight),
       in(0, 1e6)},
      {"r1-every", "Apply R1 every this many steps, scaled by it (lazy regularization)", false, GENAI_MEMBER(r1_every), in(1, 1000)},
      {"tensorboard", "Write TensorBoard event files to RUN_DIR/tb (scalars, sample grids, config; on by default): tensorboard --logdir runs", true,
       GENAI_MEMBER(tensorboard)},
      {"max-time", "Stop with a checkpoint before this much wall time, e.g. 3h55m (exit code 75)", true, GENAI_MEMBER(max_time)},
      {"on-nan",
       "What a NaN/Inf in losses or weights does (rollback: reload the last good checkpoint, halve both learning rates, go on; at "
       "most 3 times)",
       true, GENAI_MEMBER(on_nan)},
      {"dist-timeout",
       "Several processes (torchrun, srun): seconds a rank waits for the others (to join, or in a collective) before it exits with an error", true,
       GENAI_MEMBER(dist_timeout), in(1, 86400)},
      {"image-cache", "Image folders: directory of the decoded-image cache (default: DIR/.genai-cache)", true, GENAI_MEMBER(image_cache)},
  };
  return fields;
}

std::string toml_value(const TrainField& field, const TrainConfig& config) {
  auto& c = const_cast<TrainConfig&>(config);  // the accessors are shared with the writers; this one only reads
  return std::visit(
      [&](auto ref) -> std::string {
        const auto& v = ref(c);
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return toml_string(v);
        } else if constexpr (kIsClosedSet<T>) {
          return toml_string(name(v));
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          return toml_number(v);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          std::string out = "[";
          for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
          return out + "]";
        } else {
          return std::to_string(v);
        }
      },
      field.ref);
}

std::string to_toml(const TrainConfig& config) {
  std::string text = "# genai train config: genai train --config THIS_FILE reproduces the run\n[train]\n";
  for (const auto& field : train_fields()) text += toml_line(field, config);
  return text;
}

bool is_model_field(const TrainField& field) {
  // Where the accessor points in a config: inside its `model` member or not. std::less orders any two pointers.
  static const TrainConfig probe;
  const void* member = visit_value(field, probe, [](const auto& value) -> const void* { return &value; });
  const std::less<const void*> before;
  return !before(member, &probe.model) && before(member, &probe.model + 1);
}

const std::vector<const TrainField*>& model_fields() {
  static const std::vector<const TrainField*> fields = [] {
    std::vector<const TrainField*> model;
    for (const auto& field : train_fields())
      if (is_model_field(field)) model.push_back(&field);
    return model;
  }();
  return fields;
}

std::string model_toml(const ModelConfig& model) {
  TrainConfig config;
  config.model = model;
  std::string text = "[train]\n";
  for (const TrainField* field : model_fields()) text += toml_line(*field, config);
  return text;
}

ModelConfig parse_model_config(const std::string& toml) { return parse_train_config(toml).model; }

std::string describe(const FieldCheck& check) {
  const bool low = check.min != -std::numeric_limits<double>::infinity(), high = check.max != std::numeric_limits<double>::infinity();
  if (low && high) return (check.min_open ? "(" : "[") + bound(check.min) + ", " + bound(check.max) + (check.max_open ? ")" : "]");
  if (low) return (check.min_open ? "> " : ">= ") + bound(check.min);
  return "";
}

void check_fields(const TrainConfig& config, std::vector<std::string>& problems) {
  auto& c = const_cast<TrainConfig&>(config);  // the accessors are shared with the writers; this only reads
  for (const auto& field : train_fields()) {
    const FieldCheck& check = field.check;
    const std::string key = field.key;
    std::visit(
        [&](auto ref) {
          const auto& v = ref(c);
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
            for (int64_t element : v)
              if (!within(check, static_cast<double>(element)))
                problems.push_back(key + " size " + std::to_string(element) + " " + requirement(check));
          } else if constexpr (std::is_same_v<T, double>) {
            if (!within(check, v)) problems.push_back(key + " = " + toml_number(v) + " " + requirement(check));
          } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
            if (!within(check, static_cast<double>(v))) problems.push_back(key + " = " + std::to_string(v) + " " + requirement(check));
          }
        },
        field.ref);
  }
}

void add_train_options(CLI::App& command, TrainConfig& config) {
  for (const auto& field : train_fields()) {
    const std::string flag = std::string("--") + field.key;
    const std::string range = describe(field.check);
    const std::string help = range.empty() ? field.help : std::string(field.help) + " " + range;
    std::visit(
        [&](auto ref) {
          auto& member = ref(config);
          using T = std::decay_t<decltype(member)>;
          if constexpr (std::is_same_v<T, bool>) {
            command.add_flag(flag + ",!--no-" + field.key, member, help);
          } else if constexpr (kIsClosedSet<T>) {
            // Parsed into the enum, so an unknown word is refused here, naming the flag (or the config file's key).
            auto* option = command.add_option_function<std::string>(
                flag, [&member](const std::string& text) { member = *find_member<T>(text); }, help + ": " + member_names<T>());
            option->check(CLI::Validator(
                [](std::string& text) -> std::string { return find_member<T>(text) ? "" : "\"" + text + "\" is unknown; use " + member_names<T>(); },
                ""));
            option->type_name(key_type_name(field.key))->default_str(name(member));
          } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
            command.add_option(flag, member, help)->delimiter(',')->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->capture_default_str();
          } else {
            auto* option = command.add_option(flag, member, help);
            if constexpr (std::is_same_v<T, std::string>) {
              if (!member.empty()) option->capture_default_str();  // no `=""` for keys that default to nothing
            } else {
              option->capture_default_str();
            }
          }
        },
        field.ref);
  }
}

TrainConfig parse_train_config(const std::string& toml) {
  TrainConfig config;
  CLI::App app;
  app.allow_config_extras(CLI::config_extras_mode::error);
  auto* train = app.add_subcommand("train");
  train->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_train_options(*train, config);
  std::istringstream in(toml);
  try {
    app.parse_from_stream(in);
  } catch (const CLI::ParseError& e) {
    throw RuntimeError(std::string("saved config does not parse: ") + e.what());
  }
  return config;
}

TrainConfig with_model_defaults(const TrainConfig& asked, const std::function<bool(const std::string&)>& given) {
  TrainConfig merged = asked;
  TrainConfig defaults = model_defaults(asked.model.kind);
  if (given("info-codes") && asked.model.info_codes > 0) defaults.model.clusters = 0;
  for (const auto& field : train_fields())
    if (!given(field.key)) std::visit([&](auto ref) { ref(merged) = ref(defaults); }, field.ref);
  return merged;
}

namespace {

// As TOML writes it, but numbers to 6 digits ("0.0032" rather than 0.0032000000000000002): for people.
std::string short_value(const TrainField& field, const TrainConfig& config) {
  if (const auto* number = std::get_if<double& (*)(TrainConfig&)>(&field.ref)) return bound((*number)(const_cast<TrainConfig&>(config)));
  return toml_value(field, config);
}

}  // namespace

std::string model_defaults_summary() {
  const TrainConfig plain;
  std::string text;
  for (const auto& [kind, spelling] : ClosedSet<ModelKind>::members) {
    const TrainConfig defaults = model_defaults(kind);
    std::string changed;
    for (const auto& field : train_fields())
      if (std::string_view(field.key) != "model" && toml_value(field, defaults) != toml_value(field, plain))
        changed += std::string(changed.empty() ? "" : ", ") + field.key + " = " + short_value(field, defaults);
    text += std::string(text.empty() ? "" : "; ") + spelling + ": " + changed;
  }
  return text;
}

TrainConfig resumed_config(const TrainConfig& saved, const TrainConfig& asked, const std::function<bool(const std::string&)>& given,
                           const std::string& checkpoint_path) {
  TrainConfig merged = saved;
  std::vector<std::string> conflicts;
  std::string resumable;
  for (const auto& field : train_fields()) {
    if (field.resumable) resumable += std::string(resumable.empty() ? "" : ", ") + field.key;
    if (!given(field.key)) continue;
    const std::string saved_value = toml_value(field, saved), asked_value = toml_value(field, asked);
    if (saved_value == asked_value) continue;
    if (!field.resumable) {
      conflicts.push_back(std::string(field.key) + " = " + asked_value + " (the run has " + saved_value + ")");
      continue;
    }
    std::visit([&](auto ref) { ref(merged) = ref(const_cast<TrainConfig&>(asked)); }, field.ref);
  }
  if (!conflicts.empty()) {
    std::string message = "--resume: ";
    for (size_t i = 0; i < conflicts.size(); ++i) message += (i ? ", " : "") + conflicts[i];
    throw UsageError(message + " contradict" + (conflicts.size() == 1 ? "s" : "") + " the saved config of " + checkpoint_path +
                     "; drop the flag, or start a new run (only " + resumable + " may change on resume)");
  }
  merged.out = asked.out;
  return merged;
}

}  // namespace genai
