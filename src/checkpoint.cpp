#include "genai/checkpoint.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <variant>

#include "genai/error.h"
#include "genai/train/flat_adam.h"
#include "genai/util/atomic_file.h"

namespace genai {
namespace {
namespace fs = std::filesystem;

// Header: 0..15 "GENAI-CHECKPOINT", 16..23 payload length (u64 LE), 24..27 CRC-32 of the payload,
// 28..31 format version (u32 LE).
constexpr char kMagic[16] = {'G', 'E', 'N', 'A', 'I', '-', 'C', 'H', 'E', 'C', 'K', 'P', 'O', 'I', 'N', 'T'};
constexpr size_t kHeaderSize = 32;
constexpr size_t kMaxNameLength = 4096;
constexpr int64_t kMaxRank = 8;

enum class RecordKind : uint8_t { kTensor = 0, kInt = 1, kString = 2, kIntList = 3, kDouble = 4 };
enum class DType : uint8_t { kFloat32 = 0, kFloat64 = 1, kInt64 = 2, kUInt8 = 3 };

uint32_t crc32_of(const uint8_t* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk, size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

uint64_t get_le(const uint8_t* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t{in[i]} << (8 * i);
  return value;
}

std::optional<DType> dtype_code(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return DType::kFloat32;
    case torch::kFloat64: return DType::kFloat64;
    case torch::kInt64: return DType::kInt64;
    case torch::kUInt8: return DType::kUInt8;
    default: return std::nullopt;
  }
}

std::optional<torch::ScalarType> scalar_type_of(uint8_t code) {
  switch (static_cast<DType>(code)) {
    case DType::kFloat32: return torch::kFloat32;
    case DType::kFloat64: return torch::kFloat64;
    case DType::kInt64: return torch::kInt64;
    case DType::kUInt8: return torch::kUInt8;
  }
  return std::nullopt;
}

// Appends records to a byte string.
class RecordWriter {
 public:
  void tensor(const std::string& name, const torch::Tensor& t) {
    const auto cpu = t.detach().to(torch::kCPU).contiguous();
    const auto code = dtype_code(cpu.scalar_type());
    TORCH_CHECK(code.has_value(), "checkpoint: unsupported dtype for ", name);
    begin(name, RecordKind::kTensor);
    put(static_cast<uint8_t>(*code));
    put(static_cast<uint8_t>(cpu.dim()));
    for (int64_t d : cpu.sizes()) put(d);
    bytes_.append(static_cast<const char*>(cpu.data_ptr()), cpu.numel() * cpu.element_size());
  }
  void integer(const std::string& name, int64_t v) { begin(name, RecordKind::kInt), put(v); }
  void real(const std::string& name, double v) { begin(name, RecordKind::kDouble), put(v); }
  void text(const std::string& name, const std::string& s) {
    begin(name, RecordKind::kString);
    put(static_cast<uint64_t>(s.size()));
    bytes_ += s;
  }
  void integers(const std::string& name, const std::vector<int64_t>& values) {
    begin(name, RecordKind::kIntList);
    put(static_cast<uint64_t>(values.size()));
    for (int64_t v : values) put(v);
  }
  const std::string& bytes() const { return bytes_; }

 private:
  template <typename T>
  void put(T value) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));  // genai writes little-endian hosts only (x86-64, aarch64)
    bytes_.append(reinterpret_cast<const char*>(raw), sizeof(T));
  }
  void begin(const std::string& name, RecordKind kind) {
    put(static_cast<uint32_t>(name.size()));
    bytes_ += name;
    put(static_cast<uint8_t>(kind));
  }
  std::string bytes_;
};

}  // namespace

using RecordValue = std::variant<torch::Tensor, int64_t, std::string, std::vector<int64_t>, double>;
struct CheckpointRecords {
  std::map<std::string, RecordValue> values;
};

namespace {

// Reads records from a verified payload; every length is checked against what remains first.
class RecordReader {
 public:
  RecordReader(const std::string& path, const uint8_t* data, size_t size) : path_(path), data_(data), size_(size) {}

  CheckpointRecords read_all() {
    CheckpointRecords records;
    while (position_ < size_) {
      const uint32_t name_length = get<uint32_t>();
      if (name_length == 0 || name_length > kMaxNameLength) fail("a record name of " + std::to_string(name_length) + " bytes");
      std::string name(reinterpret_cast<const char*>(take(name_length)), name_length);
      const auto kind = static_cast<RecordKind>(get<uint8_t>());
      RecordValue value;
      switch (kind) {
        case RecordKind::kTensor: value = read_tensor(name); break;
        case RecordKind::kInt: value = get<int64_t>(); break;
        case RecordKind::kDouble: value = get<double>(); break;
        case RecordKind::kString: {
          const uint64_t length = get<uint64_t>();
          const uint8_t* bytes = take(length);
          value = std::string(reinterpret_cast<const char*>(bytes), static_cast<size_t>(length));
          break;
        }
        case RecordKind::kIntList: {
          const uint64_t count = get<uint64_t>();
          if (count > remaining() / sizeof(int64_t)) fail("a list longer than the file");
          std::vector<int64_t> values(static_cast<size_t>(count));
          for (auto& v : values) v = get<int64_t>();
          value = std::move(values);
          break;
        }
        default: fail("an unknown record kind in \"" + name + "\"");
      }
      if (!records.values.emplace(name, std::move(value)).second) fail("a duplicate record \"" + name + "\"");
    }
    return records;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw file_error(path_, "corrupt checkpoint: " + what); }
  size_t remaining() const { return size_ - position_; }
  const uint8_t* take(uint64_t n) {
    if (n > remaining()) fail("a record runs past the end of the file");
    const uint8_t* at = data_ + position_;
    position_ += static_cast<size_t>(n);
    return at;
  }
  template <typename T>
  T get() {
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  torch::Tensor read_tensor(const std::string& name) {
    const auto type = scalar_type_of(get<uint8_t>());
    if (!type) fail("an unknown tensor type in \"" + name + "\"");
    const int64_t rank = get<uint8_t>();
    if (rank > kMaxRank) fail("tensor \"" + name + "\" has rank " + std::to_string(rank));
    std::vector<int64_t> dims(static_cast<size_t>(rank));
    const uint64_t element_size = c10::elementSize(*type);
    uint64_t bytes = element_size;
    for (auto& d : dims) {
      d = get<int64_t>();
      if (d < 0 || (d > 0 && bytes > remaining() / static_cast<uint64_t>(d))) fail("tensor \"" + name + "\" is larger than the file");
      bytes *= static_cast<uint64_t>(d);
    }
    const uint8_t* source = take(bytes);
    auto tensor = torch::empty(dims, torch::TensorOptions().dtype(*type));
    std::memcpy(tensor.data_ptr(), source, static_cast<size_t>(bytes));
    return tensor;
  }

  std::string path_;
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

template <typename T>
const T& record(const CheckpointRecords& records, const std::string& path, const std::string& name) {
  const auto it = records.values.find(name);
  if (it == records.values.end()) throw file_error(path, "not a complete genai checkpoint: missing \"" + name + "\"");
  const T* value = std::get_if<T>(&it->second);
  if (!value) throw file_error(path, "corrupt checkpoint: \"" + name + "\" has the wrong kind");
  return *value;
}

// Every parameter and buffer of a module, by name, in a stable order.
std::vector<std::pair<std::string, torch::Tensor>> module_tensors(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : module.named_parameters()) tensors.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers()) tensors.emplace_back(b.key(), b.value());
  return tensors;
}

void write_module(RecordWriter& out, const std::string& prefix, const torch::nn::Module& module) {
  for (const auto& [name, tensor] : module_tensors(module)) out.tensor(prefix + "/" + name, tensor);
}

void load_module(const CheckpointRecords& records, const std::string& path, const std::string& prefix, torch::nn::Module& module) {
  size_t expected = 0;
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : module_tensors(module)) {
    const auto& saved = record<torch::Tensor>(records, path, prefix + "/" + name);
    if (saved.sizes() != target.sizes() || saved.scalar_type() != target.scalar_type())
      throw file_error(path, "\"" + prefix + "/" + name + "\" does not fit the recorded model (shape or type differs)");
    target.copy_(saved);
    ++expected;
  }
  const size_t stored = static_cast<size_t>(std::count_if(records.values.begin(), records.values.end(), [&](const auto& entry) {
    return entry.first.rfind(prefix + "/", 0) == 0;
  }));
  if (stored != expected) throw file_error(path, "the " + prefix + " in the checkpoint has tensors this model does not have");
}

void write_optimizer(RecordWriter& out, const std::string& prefix, const train::FlatAdam& optimizer) {
  out.real(prefix + "/lr", optimizer.lr());
  if (optimizer.step_count() == 0) return;  // no state before the first step
  for (size_t i = 0; i < optimizer.size(); ++i) {
    const std::string key = prefix + "/" + std::to_string(i);
    out.tensor(key + "/exp_avg", optimizer.exp_avg(i));
    out.tensor(key + "/exp_avg_sq", optimizer.exp_avg_sq(i));
    out.integer(key + "/step", optimizer.step_count());
  }
}

void load_optimizer(const CheckpointRecords& records, const std::string& path, const std::string& prefix, train::FlatAdam& optimizer) {
  const double lr = record<double>(records, path, prefix + "/lr");
  if (!(lr > 0 && lr < 1)) throw file_error(path, "corrupt checkpoint: " + prefix + " learning rate " + std::to_string(lr));
  optimizer.set_lr(lr);
  std::vector<torch::Tensor> exp_avgs, exp_avg_sqs;
  int64_t step_count = 0;
  if (records.values.count(prefix + "/0/step")) {
    for (size_t i = 0; i < optimizer.size(); ++i) {
      const std::string key = prefix + "/" + std::to_string(i);
      const auto& parameter = optimizer.parameter(i);
      const auto& exp_avg = record<torch::Tensor>(records, path, key + "/exp_avg");
      const auto& exp_avg_sq = record<torch::Tensor>(records, path, key + "/exp_avg_sq");
      if (exp_avg.sizes() != parameter.sizes() || exp_avg_sq.sizes() != parameter.sizes() || exp_avg.scalar_type() != parameter.scalar_type() ||
          exp_avg_sq.scalar_type() != parameter.scalar_type())
        throw file_error(path, "\"" + key + "\" does not fit the recorded model");
      const int64_t step = record<int64_t>(records, path, key + "/step");
      if (step < 1 || (i > 0 && step != step_count)) throw file_error(path, "corrupt checkpoint: inconsistent step counts in " + prefix);
      step_count = step;
      exp_avgs.push_back(exp_avg);
      exp_avg_sqs.push_back(exp_avg_sq);
    }
  } else {
    for (size_t i = 0; i < optimizer.size(); ++i) {
      exp_avgs.push_back(torch::zeros_like(optimizer.parameter(i)));
      exp_avg_sqs.push_back(torch::zeros_like(optimizer.parameter(i)));
    }
  }
  optimizer.restore(exp_avgs, exp_avg_sqs, step_count);
}

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

std::vector<uint8_t> wrap_checkpoint_payload(const std::string& payload) {
  std::vector<uint8_t> file(kHeaderSize + payload.size(), 0);
  std::memcpy(file.data(), kMagic, sizeof kMagic);
  auto put = [&](size_t at, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) file[at + i] = static_cast<uint8_t>(value >> (8 * i));
  };
  put(16, payload.size(), 8);
  put(24, crc32_of(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()), 4);
  put(28, static_cast<uint64_t>(kCheckpointFormatVersion), 4);
  std::memcpy(file.data() + kHeaderSize, payload.data(), payload.size());
  return file;
}

std::pair<size_t, size_t> verify_checkpoint_bytes(const std::string& path, const std::vector<uint8_t>& file) {
  const bool magic_ok = file.size() >= sizeof kMagic && std::memcmp(file.data(), kMagic, sizeof kMagic) == 0;
  if (!magic_ok) throw file_error(path, "not a genai checkpoint (no GENAI-CHECKPOINT header)");
  if (file.size() < kHeaderSize) throw file_error(path, "truncated checkpoint (shorter than its header)");
  const uint64_t version = get_le(file.data() + 28, 4);
  if (version != static_cast<uint64_t>(kCheckpointFormatVersion))
    throw file_error(path, "checkpoint format " + std::to_string(version) + " is not supported (this genai reads format " +
                               std::to_string(kCheckpointFormatVersion) + ")");
  const uint64_t length = get_le(file.data() + 16, 8);
  if (length != file.size() - kHeaderSize)
    throw file_error(path, "truncated or corrupt checkpoint: header says " + std::to_string(length) + " bytes of data, file holds " +
                               std::to_string(file.size() - kHeaderSize));
  if (get_le(file.data() + 24, 4) != crc32_of(file.data() + kHeaderSize, length))
    throw file_error(path, "corrupt checkpoint: checksum mismatch (the file was damaged after it was written)");
  return {kHeaderSize, static_cast<size_t>(length)};
}

std::string checkpoint_file_name(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "step_%08lld.pt", static_cast<long long>(step));
  return name;
}

void save_checkpoint(const std::string& path, const CheckpointMeta& meta, const TrainingState& state) {
  RecordWriter out;
  out.integer("format_version", meta.format_version);
  out.text("model.kind", meta.model.kind);
  out.integer("model.z_dim", meta.model.z_dim);
  out.integers("model.g_hidden", meta.model.g_hidden);
  out.integers("model.d_hidden", meta.model.d_hidden);
  out.text("model.g_norm", meta.model.g_norm);
  out.integer("model.dcgan_channels", meta.model.dcgan_channels);
  out.integer("step", meta.step);
  out.integer("epoch", meta.epoch);
  out.integer("batch_in_epoch", meta.batch_in_epoch);
  out.integer("data_seed", static_cast<int64_t>(meta.data_seed));  // the bit pattern of the unsigned seed
  out.text("config", meta.config_toml);
  out.tensor("noise_rng_state", state.noise_rng_state);
  write_module(out, "generator", *state.gan.generator);
  write_module(out, "discriminator", *state.gan.discriminator);
  write_optimizer(out, "optimizer_g", *state.optimizer_g);
  write_optimizer(out, "optimizer_d", *state.optimizer_d);
  const auto file = wrap_checkpoint_payload(out.bytes());
  util::write_file_atomically(path, file.data(), file.size());
}

Checkpoint Checkpoint::open(const std::string& path, torch::Device device) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw file_error(path, "no such checkpoint file");
  const auto file = util::read_file(path);
  const auto [offset, length] = verify_checkpoint_bytes(path, file);
  Checkpoint checkpoint;
  checkpoint.path_ = path;
  checkpoint.device_ = device;
  auto records = std::make_shared<CheckpointRecords>(RecordReader(path, file.data() + offset, length).read_all());
  const auto& r = *records;
  CheckpointMeta& meta = checkpoint.meta_;
  meta.format_version = record<int64_t>(r, path, "format_version");
  meta.model.kind = record<std::string>(r, path, "model.kind");
  meta.model.z_dim = record<int64_t>(r, path, "model.z_dim");
  meta.model.g_hidden = record<std::vector<int64_t>>(r, path, "model.g_hidden");
  meta.model.d_hidden = record<std::vector<int64_t>>(r, path, "model.d_hidden");
  meta.model.g_norm = record<std::string>(r, path, "model.g_norm");
  meta.model.dcgan_channels = record<int64_t>(r, path, "model.dcgan_channels");
  meta.step = record<int64_t>(r, path, "step");
  meta.epoch = record<int64_t>(r, path, "epoch");
  meta.batch_in_epoch = record<int64_t>(r, path, "batch_in_epoch");
  meta.data_seed = static_cast<uint64_t>(record<int64_t>(r, path, "data_seed"));
  meta.config_toml = record<std::string>(r, path, "config");
  std::vector<std::string> problems;
  validate(meta.model, problems);
  if (meta.step < 0 || meta.epoch < 0 || meta.batch_in_epoch < 0) problems.push_back("negative step, epoch or position");
  if (!problems.empty()) throw file_error(path, "corrupt checkpoint: " + problems.front());
  checkpoint.records_ = std::move(records);
  return checkpoint;
}

std::shared_ptr<models::Generator> Checkpoint::load_generator() const {
  auto generator = models::make_generator(meta_.model);
  load_module(*records_, path_, "generator", *generator);
  generator->to(device_);
  return generator;
}

void Checkpoint::restore(TrainingState& state) const {
  load_module(*records_, path_, "generator", *state.gan.generator);
  load_module(*records_, path_, "discriminator", *state.gan.discriminator);
  load_optimizer(*records_, path_, "optimizer_g", *state.optimizer_g);
  load_optimizer(*records_, path_, "optimizer_d", *state.optimizer_d);
  state.noise_rng_state = record<torch::Tensor>(*records_, path_, "noise_rng_state");
}

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
