// TensorBoard event files: the CRC-32C and framing by hand, and how a continued file is cut. The format
// itself is checked with TensorBoard's own reader in tests/python/tensorboard_test.py.
#include "genai/util/event_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "genai/error.h"
#include "genai/util/atomic_file.h"
#include "genai/util/crc32c.h"
#include "support.h"

namespace genai::util {
namespace {
namespace fs = std::filesystem;

std::string only_event_file(const fs::path& dir) {
  std::string found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_TRUE(found.empty()) << "two event files: " << found << ", " << entry.path();
    found = entry.path().string();
  }
  EXPECT_EQ(fs::path(found).filename().string().rfind("events.out.tfevents.", 0), 0u) << found;
  return found;
}

std::vector<int64_t> steps_in(const std::string& path) {
  std::vector<int64_t> steps;
  for (const auto& payload : read_event_records(read_file(path)).payloads) steps.push_back(event_step(payload));
  return steps;
}

TEST(Crc32c, KnownValues) {
  // The check value of CRC-32C (RFC 3720, appendix B.4) and its all-zeros vector.
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  const std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  // Continuing a CRC over a split buffer gives the CRC of the whole.
  EXPECT_EQ(crc32c("56789", 5, crc32c("1234", 4)), 0xE3069283u);
  // TFRecord's mask: rotate right 15, add 0xa282ead8.
  const uint32_t c = 0xE3069283u;
  EXPECT_EQ(masked_crc32c("123456789", 9), ((c >> 15) | (c << 17)) + 0xa282ead8u);
}

TEST(EventFile, FramesEveryEventWithLengthAndChecksums) {
  genai::testing::TempDir dir;
  {
    EventFileWriter writer(dir.file("tb"));
    writer.scalar("train/d_loss", 5, 0.5);
    writer.text("config", 0, "```toml\nx = 1\n```");
    writer.image("samples", 10, 2, 1, 1, {1, 2, 3});
    writer.flush();
  }
  const auto bytes = read_file(only_event_file(dir.path() / "tb"));
  const auto records = read_event_records(bytes);
  ASSERT_EQ(records.payloads.size(), 4u);  // the version record first
  EXPECT_EQ(records.complete_bytes, bytes.size());
  EXPECT_NE(records.payloads[0].find("brain.Event:2"), std::string::npos);
  EXPECT_EQ(steps_in(only_event_file(dir.path() / "tb")), (std::vector<int64_t>{0, 5, 0, 10}));
  // The first record by hand: uint64 length, masked CRC of those 8 bytes, payload, masked CRC of the payload.
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  EXPECT_EQ(length, records.payloads[0].size());
  uint32_t crc = 0;
  std::memcpy(&crc, bytes.data() + 8, 4);
  EXPECT_EQ(crc, masked_crc32c(bytes.data(), 8));
  std::memcpy(&crc, bytes.data() + 12 + length, 4);
  EXPECT_EQ(crc, masked_crc32c(bytes.data() + 12, length));
  // The scalar's float32 value is in its payload.
  const float half = 0.5F;
  EXPECT_NE(records.payloads[1].find(std::string(reinterpret_cast<const char*>(&half), 4)), std::string::npos);
}

TEST(EventFile, ReadingStopsAtATruncatedOrCorruptRecord) {
  genai::testing::TempDir dir;
  {
    EventFileWriter writer(dir.file("tb"));
    for (int64_t step = 1; step <= 3; ++step) writer.scalar("s", step, static_cast<double>(step));
  }
  auto bytes = read_file(only_event_file(dir.path() / "tb"));
  const size_t full = bytes.size();
  for (size_t cut = 1; cut < 30; ++cut) {
    const std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - static_cast<std::ptrdiff_t>(cut));
    const auto records = read_event_records(truncated);
    EXPECT_EQ(records.payloads.size(), 3u) << cut;  // the version record and steps 1, 2
    EXPECT_LT(records.complete_bytes, full);
  }
  bytes[bytes.size() - 6] ^= 0x01;  // a flipped bit in the last payload
  EXPECT_EQ(read_event_records(bytes).payloads.size(), 3u);
}

TEST(EventFile, ContinuingCutsAPartialRecordAndEventsAfterTheResumeStep) {
  genai::testing::TempDir dir;
  {
    EventFileWriter writer(dir.file("tb"));
    for (int64_t step = 10; step <= 50; step += 10) writer.scalar("s", step, 1.0);
  }
  const std::string path = only_event_file(dir.path() / "tb");
  fs::resize_file(path, fs::file_size(path) - 3);  // killed mid-write: step 50's record is incomplete
  {
    EventFileWriter writer(dir.file("tb"), /*keep_through_step=*/30);  // resumed from the checkpoint of step 30
    EXPECT_EQ(writer.path(), path);
    writer.scalar("s", 40, 2.0);
  }
  EXPECT_EQ(only_event_file(dir.path() / "tb"), path);
  EXPECT_EQ(steps_in(path), (std::vector<int64_t>{0, 10, 20, 30, 40}));
  EXPECT_EQ(read_event_records(read_file(path)).complete_bytes, fs::file_size(path));
  // A new run in the same directory (--force) starts the file over.
  { EventFileWriter writer(dir.file("tb"), -1); }
  EXPECT_EQ(steps_in(path), (std::vector<int64_t>{0}));
}

TEST(EventFile, AnUnwritableDirectoryIsAnError) {
  genai::testing::TempDir dir;
  { std::ofstream(dir.file("file")) << "x"; }
  try {
    EventFileWriter writer(dir.file("file") + "/tb");
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace genai::util
