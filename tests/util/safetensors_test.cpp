// safetensors: round trips of each dtype, the byte layout by hand, and damaged files refused with a message.
// The reference reader (Python's safetensors package) reads genai's files in tests/python/export_test.py.
#include "genai/util/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "genai/error.h"
#include "genai/util/atomic_file.h"
#include "support.h"

namespace genai::util {
namespace {

void expect_error(const std::string& path, const std::string& message) {
  try {
    read_safetensors(path);
    FAIL() << "no error for " << path;
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(path, 0), 0u) << e.what();
  }
}

void write_raw(const std::string& path, const std::string& header, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  const uint64_t size = header.size();
  out.write(reinterpret_cast<const char*>(&size), 8);
  out << header << data;
}

TEST(Safetensors, RoundTripsEveryDtypeWithMetadata) {
  genai::testing::TempDir dir;
  const NamedTensors tensors = {{"w", torch::randn({3, 4})},
                                {"b.double", torch::randn({2}, torch::kFloat64)},
                                {"count", torch::tensor({int64_t{7}})},
                                {"bytes", torch::arange(5, torch::kUInt8)},
                                {"half", torch::randn({2, 2}).to(torch::kFloat16)},
                                {"flags", torch::tensor({true, false})},
                                {"empty", torch::zeros({0, 3})},
                                {"scalar", torch::tensor(2.5F)}};
  write_safetensors(dir.file("t.safetensors"), tensors, {{"format", "pt"}, {"note", "a \"quoted\" value"}});
  const auto back = read_safetensors(dir.file("t.safetensors"));
  EXPECT_EQ(back.metadata.at("format"), "pt");
  EXPECT_EQ(back.metadata.at("note"), "a \"quoted\" value");
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, tensors[i].first);  // file order is the order given
    EXPECT_EQ(back.tensors[i].second.scalar_type(), tensors[i].second.scalar_type()) << tensors[i].first;
    EXPECT_TRUE(torch::equal(back.tensors[i].second, tensors[i].second)) << tensors[i].first;
  }
}

TEST(Safetensors, AnEmptyTensorSharingItsOffsetWithAnotherReadsBack) {
  // "x" (empty) and "a" both start at byte 0; the header lists "a" first (keys sort), so the reader must order
  // ranges by start and end, as the reference reader does.
  genai::testing::TempDir dir;
  write_safetensors(dir.file("t.safetensors"), {{"x", torch::zeros({0})}, {"a", torch::ones({1})}}, {});
  const auto back = read_safetensors(dir.file("t.safetensors"));
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_EQ(back.tensors[0].first, "x");
  EXPECT_TRUE(torch::equal(back.tensors[1].second, torch::ones({1})));
}

TEST(Safetensors, LayoutIsHeaderLengthAlignedJsonThenRawBytes) {
  genai::testing::TempDir dir;
  write_safetensors(dir.file("t.safetensors"), {{"x", torch::tensor({1.0F, -2.0F})}}, {});
  const auto bytes = read_file(dir.file("t.safetensors"));
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  EXPECT_EQ((8 + header_size) % 8, 0u);
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size));
  EXPECT_EQ(header.substr(0, header.find_last_not_of(' ') + 1), R"({"x":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}})");
  ASSERT_EQ(bytes.size(), 8 + header_size + 8);
  float values[2];
  std::memcpy(values, bytes.data() + 8 + header_size, 8);
  EXPECT_EQ(values[0], 1.0F);
  EXPECT_EQ(values[1], -2.0F);
}

TEST(Safetensors, DamagedFilesAreRefusedWithTheProblem) {
  genai::testing::TempDir dir;
  const std::string p = dir.file("bad.safetensors");
  { std::ofstream(p) << "abc"; }
  expect_error(p, "shorter than its 8-byte header length");
  write_raw(p, "{", "");
  expect_error(p, "header is not JSON");
  write_raw(p, "[1]", "");
  expect_error(p, "header is not a JSON object");
  write_raw(p, R"({"x":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}})", "abcd");
  expect_error(p, "unknown dtype \"F99\"");
  write_raw(p, R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd");
  expect_error(p, "byte range that does not fit");
  write_raw(p, R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "abcdefgh");
  expect_error(p, "does not cover the file");
  write_raw(p, R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", "abcdefgh");
  expect_error(p, "overlap or leave gaps");
  write_raw(p, R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd");
  expect_error(p, "bad shape");
  write_raw(p, R"({"x":{"dtype":"F32"}})", "");
  expect_error(p, "malformed header entry");
  {
    std::ofstream out(p, std::ios::binary);
    const uint64_t huge = uint64_t{1} << 40;
    out.write(reinterpret_cast<const char*>(&huge), 8);
  }
  expect_error(p, "exceeds the file");
}

TEST(Safetensors, RefusesADtypeItCannotName) {
  genai::testing::TempDir dir;
  try {
    write_safetensors(dir.file("c.safetensors"), {{"z", torch::zeros({2}, torch::kComplexFloat)}}, {});
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("dtype safetensors cannot hold"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.safetensors")));
}

}  // namespace
}  // namespace genai::util
