#include "genai/util/record_file.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>

#include "genai/error.h"
#include "genai/util/atomic_file.h"

namespace genai::util {
namespace {

// Header: 0..15 magic, 16..23 payload length (u64 LE), 24..27 CRC-32 of the payload, 28..31 format
// version (u32 LE).
constexpr size_t kMagicSize = 16;
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
    case torch::kFloat32:
      return DType::kFloat32;
    case torch::kFloat64:
      return DType::kFloat64;
    case torch::kInt64:
      return DType::kInt64;
    case torch::kUInt8:
      return DType::kUInt8;
    default:
      return std::nullopt;
  }
}

std::optional<torch::ScalarType> scalar_type_of(uint8_t code) {
  switch (static_cast<DType>(code)) {
    case DType::kFloat32:
      return torch::kFloat32;
    case DType::kFloat64:
      return torch::kFloat64;
    case DType::kInt64:
      return torch::kInt64;
    case DType::kUInt8:
      return torch::kUInt8;
  }
  return std::nullopt;
}

// Every parameter and buffer of a module, by name, in a stable order.
std::vector<std::pair<std::string, torch::Tensor>> module_tensors(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : module.named_parameters()) tensors.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers()) tensors.emplace_back(b.key(), b.value());
  return tensors;
}

// Reads records from a verified payload; every length is checked against what remains first.
class RecordReader {
 public:
  RecordReader(const RecordFormat& format, const std::string& path, const uint8_t* data, size_t size)
      : format_(format), path_(path), data_(data), size_(size) {}

  Records read_all() {
    Records records;
    records.path = path_;
    records.noun = format_.noun;
    while (position_ < size_) {
      const uint32_t name_length = get<uint32_t>();
      if (name_length == 0 || name_length > kMaxNameLength) fail("a record name of " + std::to_string(name_length) + " bytes");
      std::string name(reinterpret_cast<const char*>(take(name_length)), name_length);
      const auto kind = static_cast<RecordKind>(get<uint8_t>());
      RecordValue value;
      switch (kind) {
        case RecordKind::kTensor:
          value = read_tensor(name);
          break;
        case RecordKind::kInt:
          value = get<int64_t>();
          break;
        case RecordKind::kDouble:
          value = get<double>();
          break;
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
        default:
          fail("an unknown record kind in \"" + name + "\"");
      }
      if (!records.values.emplace(name, std::move(value)).second) fail("a duplicate record \"" + name + "\"");
    }
    return records;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw file_error(path_, std::string("corrupt ") + format_.noun + ": " + what); }
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
    // A tensor with a zero dimension has no storage: its data pointer is null, which memcpy must not get even for 0 bytes.
    if (bytes > 0) std::memcpy(tensor.data_ptr(), source, static_cast<size_t>(bytes));
    return tensor;
  }

  const RecordFormat& format_;
  std::string path_;
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

}  // namespace

template <typename T>
void RecordWriter::put(T value) {
  uint8_t raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));  // genai writes little-endian hosts only (x86-64, aarch64)
  bytes_.append(reinterpret_cast<const char*>(raw), sizeof(T));
}

void RecordWriter::begin(const std::string& name, uint8_t kind) {
  put(static_cast<uint32_t>(name.size()));
  bytes_ += name;
  put(kind);
}

void RecordWriter::tensor(const std::string& name, const torch::Tensor& t) {
  const auto cpu = t.detach().to(torch::kCPU).contiguous();
  const auto code = dtype_code(cpu.scalar_type());
  TORCH_CHECK(code.has_value(), "record file: unsupported dtype for ", name);
  begin(name, static_cast<uint8_t>(RecordKind::kTensor));
  put(static_cast<uint8_t>(*code));
  put(static_cast<uint8_t>(cpu.dim()));
  for (int64_t d : cpu.sizes()) put(d);
  if (cpu.numel() > 0) bytes_.append(static_cast<const char*>(cpu.data_ptr()), cpu.numel() * cpu.element_size());
}

void RecordWriter::integer(const std::string& name, int64_t v) { begin(name, static_cast<uint8_t>(RecordKind::kInt)), put(v); }
void RecordWriter::real(const std::string& name, double v) { begin(name, static_cast<uint8_t>(RecordKind::kDouble)), put(v); }

void RecordWriter::text(const std::string& name, const std::string& s) {
  begin(name, static_cast<uint8_t>(RecordKind::kString));
  put(static_cast<uint64_t>(s.size()));
  bytes_ += s;
}

void RecordWriter::integers(const std::string& name, const std::vector<int64_t>& values) {
  begin(name, static_cast<uint8_t>(RecordKind::kIntList));
  put(static_cast<uint64_t>(values.size()));
  for (int64_t v : values) put(v);
}

void RecordWriter::module(const std::string& prefix, const torch::nn::Module& module) {
  for (const auto& [name, t] : module_tensors(module)) tensor(prefix + "/" + name, t);
}

template <typename T>
const T& Records::get(const std::string& name) const {
  const auto it = values.find(name);
  if (it == values.end()) throw file_error(path, "not a complete genai " + noun + ": missing \"" + name + "\"");
  const T* value = std::get_if<T>(&it->second);
  if (!value) throw file_error(path, "corrupt " + noun + ": \"" + name + "\" has the wrong kind");
  return *value;
}
template const torch::Tensor& Records::get<torch::Tensor>(const std::string&) const;
template const int64_t& Records::get<int64_t>(const std::string&) const;
template const double& Records::get<double>(const std::string&) const;
template const std::string& Records::get<std::string>(const std::string&) const;
template const std::vector<int64_t>& Records::get<std::vector<int64_t>>(const std::string&) const;

void Records::load_module(const std::string& prefix, torch::nn::Module& module) const {
  size_t expected = 0;
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : module_tensors(module)) {
    const auto& saved = get<torch::Tensor>(prefix + "/" + name);
    if (saved.sizes() != target.sizes() || saved.scalar_type() != target.scalar_type())
      throw file_error(path, "\"" + prefix + "/" + name + "\" does not fit the recorded model (shape or type differs)");
    target.copy_(saved);
    ++expected;
  }
  const size_t stored =
      static_cast<size_t>(std::count_if(values.begin(), values.end(), [&](const auto& entry) { return entry.first.rfind(prefix + "/", 0) == 0; }));
  if (stored != expected) throw file_error(path, "the " + prefix + " in the " + noun + " has tensors this model does not have");
}

std::vector<uint8_t> seal_records(const RecordFormat& format, const std::string& payload) {
  std::vector<uint8_t> file(kHeaderSize + payload.size(), 0);
  std::memcpy(file.data(), format.magic, kMagicSize);
  auto put = [&](size_t at, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) file[at + i] = static_cast<uint8_t>(value >> (8 * i));
  };
  put(16, payload.size(), 8);
  put(24, crc32_of(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()), 4);
  put(28, format.version, 4);
  std::memcpy(file.data() + kHeaderSize, payload.data(), payload.size());
  return file;
}

std::pair<size_t, size_t> verify_sealed(const RecordFormat& format, const std::string& path, const std::vector<uint8_t>& file) {
  const std::string noun = format.noun;
  const bool magic_ok = file.size() >= kMagicSize && std::memcmp(file.data(), format.magic, kMagicSize) == 0;
  if (!magic_ok) throw file_error(path, "not a genai " + noun + " (no " + std::string(format.magic, kMagicSize) + " header)");
  if (file.size() < kHeaderSize) throw file_error(path, "truncated " + noun + " (shorter than its header)");
  const uint64_t version = get_le(file.data() + 28, 4);
  const uint32_t oldest = format.oldest_readable > 0 ? format.oldest_readable : format.version;
  if (version < oldest || version > format.version)
    throw file_error(
        path, noun + " format " + std::to_string(version) + " is not supported (this genai reads format " +
                  (oldest == format.version ? std::to_string(format.version) : std::to_string(oldest) + " to " + std::to_string(format.version)) +
                  (version > format.version ? "; a newer genai wrote it)" : ")"));
  const uint64_t length = get_le(file.data() + 16, 8);
  if (length != file.size() - kHeaderSize)
    throw file_error(path, "truncated or corrupt " + noun + ": header says " + std::to_string(length) + " bytes of data, file holds " +
                               std::to_string(file.size() - kHeaderSize));
  if (get_le(file.data() + 24, 4) != crc32_of(file.data() + kHeaderSize, length))
    throw file_error(path, "corrupt " + noun + ": checksum mismatch (the file was damaged after it was written)");
  return {kHeaderSize, static_cast<size_t>(length)};
}

Records parse_records(const RecordFormat& format, const std::string& path, const uint8_t* data, size_t size) {
  return RecordReader(format, path, data, size).read_all();
}

Records read_record_file(const RecordFormat& format, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw file_error(path, std::string("no such file (expected a genai ") + format.noun + ")");
  const auto file = read_file(path);
  const auto [offset, length] = verify_sealed(format, path, file);
  return parse_records(format, path, file.data() + offset, length);
}

}  // namespace genai::util
