#pragma once
// TensorBoard event files (tb/events.out.tfevents.*), encoded by hand: TFRecord framing (uint64 length,
// masked CRC-32C of the length, payload, masked CRC-32C of the payload) around `Event` protocol buffers
// (tensorboard/compat/proto: event.proto, summary.proto, tensor.proto). genai writes five message types
// and a dozen fields; encoding them here is shorter than a .proto file, a protoc step and a libprotobuf
// link, and keeps a second protobuf out of a binary that links the torch wheel's own copy.
// Tested against the `tensorboard` package's own reader (tests/python/tensorboard_test.py).
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace genai::util {

class EventFileWriter {
 public:
  // Starts a new file in `directory` (created if needed) or, when it already holds an event file,
  // continues the newest one: first it cuts off an incomplete last record (a job killed mid-write) and
  // every event whose step is above `keep_through_step` (logged after the checkpoint a resumed run
  // restarts from), so the step axis goes on without duplicates. A negative `keep_through_step` starts
  // the file over (a new run in a reused directory). Throws RuntimeError naming the file.
  explicit EventFileWriter(const std::string& directory, int64_t keep_through_step = std::numeric_limits<int64_t>::max());
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // Each call encodes one event into memory; flush() writes them. Wall time is the time of the call.
  void scalar(const std::string& tag, int64_t step, double value);
  // A PNG already encoded (width x height, 1 = gray or 3 = RGB channels).
  void image(const std::string& tag, int64_t step, int64_t width, int64_t height, int channels, const std::vector<uint8_t>& png);
  // Markdown for TensorBoard's text tab.
  void text(const std::string& tag, int64_t step, const std::string& markdown);
  // Appends the pending events and flushes them to the OS; throws RuntimeError when the write fails.
  void flush();

  const std::string& path() const { return path_; }

 private:
  void add_event(int64_t step, const std::string& fields);
  std::string path_;
  std::FILE* file_ = nullptr;
  std::string pending_;
};

// For tests and readers: the framed records of an event file's bytes, stopping at the first incomplete
// or corrupt one. `complete_bytes` is where the last good record ends.
struct EventRecords {
  std::vector<std::string> payloads;
  size_t complete_bytes = 0;
};
EventRecords read_event_records(const std::vector<uint8_t>& bytes);

// The `step` field (2) of an encoded Event; 0 when absent.
int64_t event_step(const std::string& payload);

}  // namespace genai::util
