#include "genai/util/event_file.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "genai/error.h"
#include "genai/util/atomic_file.h"
#include "genai/util/crc32c.h"

namespace genai::util {
namespace fs = std::filesystem;
namespace {

// Protocol-buffer wire format: a field is a varint key (number << 3 | wire type) and its value.
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_key(std::string& out, uint32_t field, WireType type) { put_varint(out, (static_cast<uint64_t>(field) << 3) | type); }
template <typename T>
void put_little_endian(std::string& out, T value) {  // x86-64 and aarch64 Linux are little-endian, as the format
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

std::string varint_field(uint32_t field, uint64_t v) {
  std::string out;
  put_key(out, field, kVarint);
  put_varint(out, v);
  return out;
}
std::string bytes_field(uint32_t field, const std::string& bytes) {
  std::string out;
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  return out + bytes;
}
std::string double_field(uint32_t field, double v) {
  std::string out;
  put_key(out, field, kFixed64);
  put_little_endian(out, v);
  return out;
}
std::string float_field(uint32_t field, float v) {
  std::string out;
  put_key(out, field, kFixed32);
  put_little_endian(out, v);
  return out;
}

// Field numbers of the messages written (tensorboard/compat/proto).
namespace event {
constexpr uint32_t kWallTime = 1, kStep = 2, kFileVersion = 3, kSummary = 5;
}
namespace summary {
constexpr uint32_t kValue = 1;
}
namespace value {
constexpr uint32_t kTag = 1, kSimpleValue = 2, kImage = 4, kTensor = 8, kMetadata = 9;
}
namespace image {
constexpr uint32_t kHeight = 1, kWidth = 2, kColorspace = 3, kEncoded = 4;
}
namespace metadata {
constexpr uint32_t kPluginData = 1;
}
namespace plugin_data {
constexpr uint32_t kPluginName = 1;
}
namespace tensor {
constexpr uint32_t kDtype = 1, kShape = 2, kStringVal = 8;
}
namespace shape {
constexpr uint32_t kDim = 2;
}
namespace dim {
constexpr uint32_t kSize = 1;
}
constexpr uint64_t kDtypeString = 7;  // types.proto DT_STRING

std::string summary_value(const std::string& tag, const std::string& fields) {
  return bytes_field(event::kSummary, bytes_field(summary::kValue, bytes_field(value::kTag, tag) + fields));
}

std::string frame(const std::string& payload) {
  std::string record;
  const uint64_t length = payload.size();
  put_little_endian(record, length);
  put_little_endian(record, masked_crc32c(record.data(), sizeof length));
  record += payload;
  put_little_endian(record, masked_crc32c(payload.data(), payload.size()));
  return record;
}

template <typename T>
T get_little_endian(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

double now_seconds() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::string new_file_name() {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  const auto seconds = static_cast<long long>(now_seconds());
  return "events.out.tfevents." + std::to_string(seconds) + "." + host + "." + std::to_string(getpid());
}

// The newest (by name: the names start with the creation time) event file in `directory`, or "".
std::string newest_event_file(const std::string& directory) {
  std::string newest;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("events.out.tfevents.", 0) == 0 && entry.is_regular_file(ec) && entry.path().string() > newest) newest = entry.path().string();
  }
  return newest;
}

}  // namespace

EventRecords read_event_records(const std::vector<uint8_t>& bytes) {
  EventRecords records;
  size_t at = 0;
  constexpr size_t kHeader = sizeof(uint64_t) + sizeof(uint32_t), kFooter = sizeof(uint32_t);
  while (bytes.size() - at >= kHeader) {
    const uint64_t length = get_little_endian<uint64_t>(&bytes[at]);
    if (get_little_endian<uint32_t>(&bytes[at + 8]) != masked_crc32c(&bytes[at], 8)) break;
    if (length > bytes.size() - at - kHeader || bytes.size() - at - kHeader - length < kFooter) break;
    const uint8_t* payload = &bytes[at + kHeader];
    if (get_little_endian<uint32_t>(payload + length) != masked_crc32c(payload, length)) break;
    records.payloads.emplace_back(reinterpret_cast<const char*>(payload), length);
    at += kHeader + length + kFooter;
  }
  records.complete_bytes = at;
  return records;
}

int64_t event_step(const std::string& payload) {
  // Walks the top-level fields; only the kinds genai writes (and any valid protobuf) appear.
  size_t at = 0;
  auto varint = [&](uint64_t& v) {
    v = 0;
    for (int shift = 0; at < payload.size() && shift < 64; shift += 7) {
      const auto byte = static_cast<uint8_t>(payload[at++]);
      v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  };
  uint64_t key = 0, v = 0;
  while (at < payload.size() && varint(key)) {
    switch (key & 7) {
      case kVarint:
        if (!varint(v)) return 0;
        if ((key >> 3) == event::kStep) return static_cast<int64_t>(v);
        break;
      case kFixed64:
        at += 8;
        break;
      case kFixed32:
        at += 4;
        break;
      case kLengthDelimited:
        if (!varint(v) || v > payload.size() - at) return 0;
        at += v;
        break;
      default:
        return 0;
    }
  }
  return 0;
}

EventFileWriter::EventFileWriter(const std::string& directory, int64_t keep_through_step) {
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) throw file_error(directory, "cannot create directory: " + ec.message());
  path_ = newest_event_file(directory);
  bool continuing = !path_.empty();
  if (continuing) {
    const auto records = read_event_records(read_file(path_));
    size_t keep = 0;  // bytes of the records to keep
    for (const auto& payload : records.payloads) {
      if (event_step(payload) > keep_through_step) break;
      keep += 16 + payload.size();
    }
    fs::resize_file(path_, keep, ec);
    if (ec) throw file_error(path_, "cannot cut the events after step " + std::to_string(keep_through_step) + ": " + ec.message());
    continuing = keep > 0;  // nothing kept: the file starts over, with its version record
  } else {
    path_ = (fs::path(directory) / new_file_name()).string();
  }
  file_ = std::fopen(path_.c_str(), "ab");
  if (!file_) throw file_error(path_, std::string("cannot open for writing: ") + std::strerror(errno));
  if (!continuing) {
    add_event(0, bytes_field(event::kFileVersion, "brain.Event:2"));  // what readers expect first
    try {
      flush();
    } catch (const RuntimeError&) {  // no destructor runs for a constructor that throws
      std::fclose(file_);
      file_ = nullptr;
      throw;
    }
  }
}

EventFileWriter::~EventFileWriter() {
  if (!file_) return;
  try {
    flush();
  } catch (const RuntimeError&) {  // a destructor must not throw; the last flush's failure was already reported
  }
  std::fclose(file_);
}

void EventFileWriter::add_event(int64_t step, const std::string& fields) {
  pending_ += frame(double_field(event::kWallTime, now_seconds()) + varint_field(event::kStep, static_cast<uint64_t>(step)) + fields);
}

void EventFileWriter::scalar(const std::string& tag, int64_t step, double v) {
  add_event(step, summary_value(tag, float_field(value::kSimpleValue, static_cast<float>(v))));
}

void EventFileWriter::image(const std::string& tag, int64_t step, int64_t width, int64_t height, int channels, const std::vector<uint8_t>& png) {
  const std::string fields = varint_field(image::kHeight, static_cast<uint64_t>(height)) + varint_field(image::kWidth, static_cast<uint64_t>(width)) +
                             varint_field(image::kColorspace, static_cast<uint64_t>(channels)) +
                             bytes_field(image::kEncoded, std::string(png.begin(), png.end()));
  add_event(step, summary_value(tag, bytes_field(value::kImage, fields)));
}

void EventFileWriter::text(const std::string& tag, int64_t step, const std::string& markdown) {
  // The text plugin's form: a string tensor of shape [1] marked with plugin_name "text".
  const std::string plugin = bytes_field(value::kMetadata, bytes_field(metadata::kPluginData, bytes_field(plugin_data::kPluginName, "text")));
  const std::string tensor_fields = varint_field(tensor::kDtype, kDtypeString) +
                                    bytes_field(tensor::kShape, bytes_field(shape::kDim, varint_field(dim::kSize, 1))) +
                                    bytes_field(tensor::kStringVal, markdown);
  add_event(step, summary_value(tag, plugin + bytes_field(value::kTensor, tensor_fields)));
}

void EventFileWriter::flush() {
  if (pending_.empty()) return;
  const long before = std::ftell(file_);
  const bool ok = std::fwrite(pending_.data(), 1, pending_.size(), file_) == pending_.size() && std::fflush(file_) == 0;
  pending_.clear();
  if (!ok) {
    const std::string reason = std::strerror(errno);
    // Cut a partly written record off, so later events (after space is freed) still follow whole records.
    std::clearerr(file_);
    if (before >= 0 && ftruncate(fileno(file_), before) == 0) std::fseek(file_, 0, SEEK_END);
    throw file_error(path_, "write failed: " + reason + " (disk full?)");
  }
}

}  // namespace genai::util
