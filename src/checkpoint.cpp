#include "genai/checkpoint.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "genai/error.h"
#include "genai/util/atomic_file.h"

namespace genai {
namespace {
namespace fs = std::filesystem;

const char* const kPrefix = "genai.";

// The file is a 32-byte header followed by the LibTorch archive (a zip):
//   0..15  "GENAI-CHECKPOINT"     16..23  archive length (uint64, little endian)
//   24..27 CRC-32 of the archive  28..31  zero
// so truncation and bit rot are caught by genai before LibTorch parses a single byte.
constexpr char kMagic[16] = {'G', 'E', 'N', 'A', 'I', '-', 'C', 'H', 'E', 'C', 'K', 'P', 'O', 'I', 'N', 'T'};
constexpr size_t kHeaderSize = 32;

uint32_t crc32_of(const uint8_t* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk, size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

void put_le(uint8_t* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

uint64_t get_le(const uint8_t* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t{in[i]} << (8 * i);
  return value;
}

}  // namespace

std::vector<uint8_t> wrap_checkpoint_payload(const std::string& archive) {
  std::vector<uint8_t> file(kHeaderSize + archive.size(), 0);
  std::memcpy(file.data(), kMagic, sizeof kMagic);
  put_le(file.data() + 16, archive.size(), 8);
  put_le(file.data() + 24, crc32_of(reinterpret_cast<const uint8_t*>(archive.data()), archive.size()), 4);
  std::memcpy(file.data() + kHeaderSize, archive.data(), archive.size());
  return file;
}

std::pair<size_t, size_t> verify_checkpoint_bytes(const std::string& path, const std::vector<uint8_t>& file) {
  if (file.size() < kHeaderSize || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
    throw file_error(path, file.size() < kHeaderSize && file.size() > 0 && std::memcmp(file.data(), kMagic, std::min(file.size(), sizeof kMagic)) == 0
                               ? "truncated checkpoint (shorter than its header)"
                               : "not a genai checkpoint (no GENAI-CHECKPOINT header)");
  const uint64_t length = get_le(file.data() + 16, 8);
  if (length != file.size() - kHeaderSize)
    throw file_error(path, "truncated or corrupt checkpoint: header says " + std::to_string(length) + " bytes of data, file holds " +
                               std::to_string(file.size() - kHeaderSize));
  if (get_le(file.data() + 24, 4) != crc32_of(file.data() + kHeaderSize, length))
    throw file_error(path, "corrupt checkpoint: checksum mismatch (the file was damaged after it was written)");
  return {kHeaderSize, static_cast<size_t>(length)};
}

namespace {

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
  std::ostringstream payload;
  archive.save_to(payload);
  const auto file = wrap_checkpoint_payload(payload.str());
  util::write_file_atomically(path, file.data(), file.size());
}

Checkpoint Checkpoint::open(const std::string& path, torch::Device device) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw file_error(path, "no such checkpoint file");
  Checkpoint checkpoint;
  checkpoint.path_ = path;
  checkpoint.archive_ = std::make_shared<torch::serialize::InputArchive>();
  const auto file = util::read_file(path);
  const auto [offset, length] = verify_checkpoint_bytes(path, file);
  try {
    checkpoint.archive_->load_from(reinterpret_cast<const char*>(file.data() + offset), length, device);
  } catch (const c10::Error& e) {
    throw file_error(path, "not a readable genai checkpoint (" + short_reason(e) + ")");
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

namespace {

// Checkpoint files of a run, oldest first (zero-padded step numbers sort by step).
std::vector<fs::path> checkpoint_files(const std::string& run_directory) {
  const fs::path dir = fs::path(run_directory) / "checkpoints";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw file_error(dir.string(), "no checkpoints folder; is " + run_directory + " a genai run directory?");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step_", 0) == 0 && entry.path().extension() == ".pt") files.push_back(entry.path());
  }
  if (files.empty()) throw file_error(dir.string(), "holds no checkpoint (step_*.pt); train longer or pass --checkpoint FILE");
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::string newest_checkpoint(const std::string& run_directory) { return checkpoint_files(run_directory).back().string(); }

Checkpoint open_newest_valid_checkpoint(const std::string& run_directory, torch::Device device, std::vector<std::string>& skipped) {
  const auto files = checkpoint_files(run_directory);
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    try {
      return Checkpoint::open(it->string(), device);
    } catch (const RuntimeError& e) {
      skipped.push_back(e.what());
    }
  }
  throw file_error((fs::path(run_directory) / "checkpoints").string(),
                   "no valid checkpoint among " + std::to_string(files.size()) + " (newest problem: " + skipped.front() + ")");
}

}  // namespace genai
