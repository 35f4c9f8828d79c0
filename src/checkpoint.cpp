#include "genai/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "genai/error.h"
#include "genai/util/atomic_file.h"

namespace genai {
namespace {
namespace fs = std::filesystem;

const char* const kPrefix = "genai.";

// The first line of a LibTorch error, without its C++ backtrace.
std::string short_reason(const c10::Error& e) {
  std::string text = e.what_without_backtrace();
  return text.substr(0, text.find('\n'));
}

c10::IValue read_value(torch::serialize::InputArchive& archive, const std::string& path, const std::string& key) {
  c10::IValue value;
  if (!archive.try_read(kPrefix + key, value)) throw file_error(path, "not a genai checkpoint: missing \"" + key + "\"");
  return value;
}

int64_t read_int(torch::serialize::InputArchive& archive, const std::string& path, const std::string& key) {
  auto value = read_value(archive, path, key);
  if (!value.isInt()) throw file_error(path, "corrupt checkpoint: \"" + key + "\" is not an integer");
  return value.toInt();
}

std::string read_string(torch::serialize::InputArchive& archive, const std::string& path, const std::string& key) {
  auto value = read_value(archive, path, key);
  if (!value.isString()) throw file_error(path, "corrupt checkpoint: \"" + key + "\" is not a string");
  return value.toStringRef();
}

std::vector<int64_t> read_ints(torch::serialize::InputArchive& archive, const std::string& path, const std::string& key) {
  auto value = read_value(archive, path, key);
  if (!value.isIntList()) throw file_error(path, "corrupt checkpoint: \"" + key + "\" is not a list of integers");
  return value.toIntVector();
}

template <typename Loadable>
void load_part(torch::serialize::InputArchive& archive, const std::string& path, const std::string& key, Loadable& target) {
  torch::serialize::InputArchive part;
  if (!archive.try_read(key, part)) throw file_error(path, "corrupt checkpoint: no \"" + key + "\" section");
  try {
    target.load(part);
  } catch (const c10::Error& e) {
    throw file_error(path, "the \"" + key + "\" section does not fit the recorded model (" + short_reason(e) + ")");
  }
}

}  // namespace

std::string checkpoint_file_name(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "step_%08lld.pt", static_cast<long long>(step));
  return name;
}

void save_checkpoint(const std::string& path, const CheckpointMeta& meta, const TrainingState& state) {
  torch::serialize::OutputArchive archive;
  archive.write(std::string(kPrefix) + "format_version", c10::IValue(meta.format_version));
  archive.write(std::string(kPrefix) + "model.kind", c10::IValue(meta.model.kind));
  archive.write(std::string(kPrefix) + "model.z_dim", c10::IValue(meta.model.z_dim));
  archive.write(std::string(kPrefix) + "model.g_hidden", c10::IValue(meta.model.g_hidden));
  archive.write(std::string(kPrefix) + "model.d_hidden", c10::IValue(meta.model.d_hidden));
  archive.write(std::string(kPrefix) + "model.g_norm", c10::IValue(meta.model.g_norm));
  archive.write(std::string(kPrefix) + "model.dcgan_channels", c10::IValue(meta.model.dcgan_channels));
  archive.write(std::string(kPrefix) + "step", c10::IValue(meta.step));
  archive.write(std::string(kPrefix) + "epoch", c10::IValue(meta.epoch));
  archive.write(std::string(kPrefix) + "batch_in_epoch", c10::IValue(meta.batch_in_epoch));
  // IValue has no unsigned integer: the seed travels as its two's-complement bit pattern.
  archive.write(std::string(kPrefix) + "data_seed", c10::IValue(static_cast<int64_t>(meta.data_seed)));
  archive.write(std::string(kPrefix) + "config", c10::IValue(meta.config_toml));
  archive.write("noise_rng_state", state.noise_rng_state.cpu(), /*is_buffer=*/true);
  auto write_part = [&](const std::string& key, const auto& saveable) {
    torch::serialize::OutputArchive part;
    saveable.save(part);
    archive.write(key, part);
  };
  write_part("generator", *state.gan.generator);
  write_part("discriminator", *state.gan.discriminator);
  write_part("optimizer_g", *state.optimizer_g);
  write_part("optimizer_d", *state.optimizer_d);
  util::write_via_temp_file(path, [&](const std::string& tmp) {
    try {
      archive.save_to(tmp);
    } catch (const c10::Error& e) {
      throw file_error(path, "cannot write checkpoint: " + short_reason(e) + " (disk full or directory not writable?)");
    }
  });
}

Checkpoint Checkpoint::open(const std::string& path, torch::Device device) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw file_error(path, "no such checkpoint file");
  Checkpoint checkpoint;
  checkpoint.path_ = path;
  checkpoint.archive_ = std::make_shared<torch::serialize::InputArchive>();
  try {
    checkpoint.archive_->load_from(path, device);
  } catch (const c10::Error& e) {
    throw file_error(path, "not a readable genai checkpoint (truncated or corrupt: " + short_reason(e) + ")");
  }
  auto& archive = *checkpoint.archive_;
  CheckpointMeta& meta = checkpoint.meta_;
  meta.format_version = read_int(archive, path, "format_version");
  if (meta.format_version != kCheckpointFormatVersion)
    throw file_error(path, "checkpoint format " + std::to_string(meta.format_version) + " is not supported (this genai reads format " +
                               std::to_string(kCheckpointFormatVersion) + ")");
  meta.model.kind = read_string(archive, path, "model.kind");
  meta.model.z_dim = read_int(archive, path, "model.z_dim");
  meta.model.g_hidden = read_ints(archive, path, "model.g_hidden");
  meta.model.d_hidden = read_ints(archive, path, "model.d_hidden");
  meta.model.g_norm = read_string(archive, path, "model.g_norm");
  meta.model.dcgan_channels = read_int(archive, path, "model.dcgan_channels");
  meta.step = read_int(archive, path, "step");
  meta.epoch = read_int(archive, path, "epoch");
  meta.batch_in_epoch = read_int(archive, path, "batch_in_epoch");
  meta.data_seed = static_cast<uint64_t>(read_int(archive, path, "data_seed"));
  meta.config_toml = read_string(archive, path, "config");
  std::vector<std::string> problems;
  validate(meta.model, problems);
  if (!problems.empty()) throw file_error(path, "corrupt checkpoint: " + problems.front());
  return checkpoint;
}

std::shared_ptr<models::Generator> Checkpoint::load_generator() const {
  auto generator = models::make_generator(meta_.model);
  load_part(*archive_, path_, "generator", *generator);
  return generator;
}

void Checkpoint::restore(TrainingState& state) const {
  load_part(*archive_, path_, "generator", *state.gan.generator);
  load_part(*archive_, path_, "discriminator", *state.gan.discriminator);
  load_part(*archive_, path_, "optimizer_g", *state.optimizer_g);
  load_part(*archive_, path_, "optimizer_d", *state.optimizer_d);
  if (!archive_->try_read("noise_rng_state", state.noise_rng_state, /*is_buffer=*/true))
    throw file_error(path_, "corrupt checkpoint: no noise RNG state");
}

std::string newest_checkpoint(const std::string& run_directory) {
  const fs::path dir = fs::path(run_directory) / "checkpoints";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw file_error(dir.string(), "no checkpoints folder; is " + run_directory + " a genai run directory?");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step_", 0) == 0 && name.size() > 3 && name.compare(name.size() - 3, 3, ".pt") == 0) names.push_back(name);
  }
  if (names.empty()) throw file_error(dir.string(), "holds no checkpoint (step_*.pt); train longer or pass --checkpoint FILE");
  std::sort(names.begin(), names.end());  // zero-padded step numbers sort by step
  return (dir / names.back()).string();
}

}  // namespace genai
