#include "genai/config/schema.h"

#include <CLI/CLI.hpp>
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

}  // namespace

const std::vector<TrainField>& train_fields() {
  static const std::vector<TrainField> fields = {
      {"model", "Architecture: mlp | dcgan | cmlp | cdcgan (class-conditional)", false, GENAI_MEMBER(model.kind)},
      {"z-dim", "Latent size", false, GENAI_MEMBER(model.z_dim)},
      {"g-hidden", "mlp: generator hidden sizes", false, GENAI_MEMBER(model.g_hidden)},
      {"d-hidden", "mlp: discriminator hidden sizes", false, GENAI_MEMBER(model.d_hidden)},
      {"g-norm", "mlp: generator normalization: batch | none (none is the bare design, which collapses)", false, GENAI_MEMBER(model.g_norm)},
      {"dcgan-channels", "dcgan: channels at 14x14 (twice that at 7x7)", false, GENAI_MEMBER(model.dcgan_channels)},
      {"data", "mnist | fashion-mnist | DIR with IDX files (raw or .gz)", false, GENAI_MEMBER(data)},
      {"data-root", "Where mnist and fashion-mnist live (scripts/get-data.sh puts them in data/)", true, GENAI_MEMBER(data_root)},
      {"device", "auto | cpu | cuda | cuda:N", true, GENAI_MEMBER(device)},
      {"threads", "CPU cores to use (0: all); genai splits them between LibTorch and BLAS by model", true, GENAI_MEMBER(threads)},
      {"seed", "Seed for initialisation, data order and noise", false, GENAI_MEMBER(seed)},
      {"steps", "Total training steps (0: use --epochs)", true, GENAI_MEMBER(steps)},
      {"epochs", "Epochs, when --steps is 0 (both 0: 10000 steps)", true, GENAI_MEMBER(epochs)},
      {"batch-size", "Images per batch", false, GENAI_MEMBER(batch_size)},
      {"lr-g", "Generator Adam learning rate", false, GENAI_MEMBER(adam_g.lr)},
      {"beta1-g", "Generator Adam beta1", false, GENAI_MEMBER(adam_g.beta1)},
      {"beta2-g", "Generator Adam beta2", false, GENAI_MEMBER(adam_g.beta2)},
      {"lr-d", "Discriminator Adam learning rate", false, GENAI_MEMBER(adam_d.lr)},
      {"beta1-d", "Discriminator Adam beta1", false, GENAI_MEMBER(adam_d.beta1)},
      {"beta2-d", "Discriminator Adam beta2", false, GENAI_MEMBER(adam_d.beta2)},
      {"log-every", "Steps between metrics lines", true, GENAI_MEMBER(log_every)},
      {"sample-every", "Steps between sample grids (0: only at the end)", true, GENAI_MEMBER(sample_every)},
      {"checkpoint-every", "Steps between checkpoints (0: only at the end)", true, GENAI_MEMBER(checkpoint_every)},
      {"keep-checkpoints", "Newest checkpoints to keep", true, GENAI_MEMBER(keep_checkpoints)},
      {"sample-grid", "Images in each fixed-noise sample grid", false, GENAI_MEMBER(sample_grid)},
      {"eval-every",
       "Steps between quick evals (FD-LeNet, classifier score, mode coverage) appended to metrics.jsonl (0: none); the first use "
       "trains genai eval's classifier",
       true, GENAI_MEMBER(eval_every)},
      {"eval-samples", "Generated images per quick eval", true, GENAI_MEMBER(eval_samples)},
      {"ema-decay", "Keep an exponential moving average of G's weights with this decay, e.g. 0.999 (0: none); sample and eval use it unless --no-ema",
       false, GENAI_MEMBER(ema_decay)},
      {"tensorboard", "Write TensorBoard event files to RUN_DIR/tb (scalars, sample grids, config; on by default): tensorboard --logdir runs", true,
       GENAI_MEMBER(tensorboard)},
      {"max-time", "Stop with a checkpoint before this much wall time, e.g. 3h55m (exit code 75)", true, GENAI_MEMBER(max_time)},
      {"on-nan",
       "NaN/Inf in losses or weights: stop | rollback (reload the last good checkpoint, halve both learning rates, go on; at most 3 "
       "times)",
       true, GENAI_MEMBER(on_nan)},
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
  for (const auto& field : train_fields()) text += std::string(field.key) + " = " + toml_value(field, config) + "\n";
  return text;
}

void add_train_options(CLI::App& command, TrainConfig& config) {
  for (const auto& field : train_fields()) {
    const std::string flag = std::string("--") + field.key;
    std::visit(
        [&](auto ref) {
          auto& member = ref(config);
          using T = std::decay_t<decltype(member)>;
          if constexpr (std::is_same_v<T, bool>) {
            command.add_flag(flag + ",!--no-" + field.key, member, field.help);
          } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
            command.add_option(flag, member, field.help)->delimiter(',')->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->capture_default_str();
          } else {
            auto* option = command.add_option(flag, member, field.help);
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
