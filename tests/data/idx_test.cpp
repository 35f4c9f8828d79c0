#include "genai/data/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "genai/error.h"
#include "support.h"

namespace genai::data {
namespace {
using genai::testing::TempDir;
using genai::testing::write_bytes;

// A header byte by byte: magic 00 00 08 <rank>, then big-endian dims.
std::vector<uint8_t> header(uint8_t rank, std::vector<uint32_t> dims) {
  std::vector<uint8_t> out{0, 0, 8, rank};
  for (uint32_t d : dims) out.insert(out.end(), {uint8_t(d >> 24), uint8_t(d >> 16), uint8_t(d >> 8), uint8_t(d)});
  return out;
}

std::string read_error(const std::string& path, int rank) {
  try {
    read_idx(path, rank);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Idx, WritesTheHeaderByteByByte) {
  TempDir dir;
  IdxArray a{{2, 3, 1}, {1, 2, 3, 4, 5, 6}};
  write_idx(dir.file("a"), a);
  auto bytes = genai::testing::read_bytes(dir.file("a"));
  auto expected = header(3, {2, 3, 1});
  expected.insert(expected.end(), {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(bytes, expected);
}

TEST(Idx, RoundTripsRawAndGzip) {
  TempDir dir;
  auto set = genai::testing::make_tiny_images(37);
  for (const char* name : {"images", "images.gz"}) {
    write_idx(dir.file(name), set.images);
    auto back = read_idx(dir.file(name), 3);
    EXPECT_EQ(back.dims, (std::vector<int64_t>{37, 28, 28})) << name;
    EXPECT_EQ(back.bytes, set.images.bytes) << name;
  }
  write_idx(dir.file("labels.gz"), set.labels);
  EXPECT_EQ(read_idx(dir.file("labels.gz"), 1).bytes, set.labels.bytes);
  // The .gz file really is compressed (gzip magic 1f 8b).
  auto gz = genai::testing::read_bytes(dir.file("images.gz"));
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(gz[0], 0x1f);
  EXPECT_EQ(gz[1], 0x8b);
}

TEST(Idx, BadMagicHasItsOwnMessage) {
  TempDir dir;
  write_bytes(dir.file("bad"), {'P', 'K', 3, 4, 0, 0, 0, 1, 7});
  EXPECT_NE(read_error(dir.file("bad"), 1).find("not an IDX file (bad magic number"), std::string::npos);
  EXPECT_NE(read_error(dir.file("bad"), 1).find(dir.file("bad") + ": "), std::string::npos);
}

TEST(Idx, WrongRankAndTypeAreNamed) {
  TempDir dir;
  auto h = header(1, {3});
  h.insert(h.end(), {1, 2, 3});
  write_bytes(dir.file("labels"), h);
  EXPECT_NE(read_error(dir.file("labels"), 3).find("IDX rank is 1, expected 3"), std::string::npos);
  write_bytes(dir.file("floats"), {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
  EXPECT_NE(read_error(dir.file("floats"), 1).find("unsupported IDX element type 0x0d"), std::string::npos);
}

TEST(Idx, TruncatedPayloadIsRefused) {
  TempDir dir;
  auto h = header(3, {2, 28, 28});
  h.resize(h.size() + 784 + 100);  // one and a bit images instead of two
  write_bytes(dir.file("short"), h);
  const auto message = read_error(dir.file("short"), 3);
  EXPECT_NE(message.find("header declares 2x28x28 but the file holds only 884 bytes"), std::string::npos) << message;
}

TEST(Idx, TruncatedHeaderIsRefused) {
  TempDir dir;
  write_bytes(dir.file("hdr"), {0, 0, 8, 3, 0, 0});
  EXPECT_NE(read_error(dir.file("hdr"), 3).find("truncated: the header ends"), std::string::npos);
  write_bytes(dir.file("tiny"), {0, 0});
  EXPECT_NE(read_error(dir.file("tiny"), 3).find("shorter than the 4-byte IDX magic"), std::string::npos);
}

TEST(Idx, HugeDeclaredDimsAreRefusedBeforeAllocating) {
  TempDir dir;
  // 2^31-1 images of 2^31-1 x 2^31-1 would be ~10^28 bytes; the file has 16.
  write_bytes(dir.file("huge"), header(3, {0x7fffffff, 0x7fffffff, 0x7fffffff}));
  EXPECT_NE(read_error(dir.file("huge"), 3).find("but the file holds only 0 bytes"), std::string::npos);
  write_bytes(dir.file("huger"), header(3, {0xffffffff, 28, 28}));
  EXPECT_NE(read_error(dir.file("huger"), 3).find("too large to be real"), std::string::npos);
  // The same lie inside a gzip file: refused by the deflate bound, not by running out of memory.
  auto lie = header(3, {60000000, 28, 28});
  lie.resize(lie.size() + 100);
  gzFile gz = gzopen(dir.file("lie.gz").c_str(), "wb");
  gzwrite(gz, lie.data(), static_cast<unsigned>(lie.size()));
  gzclose(gz);
  EXPECT_NE(read_error(dir.file("lie.gz"), 3).find("cannot hold that much even compressed"), std::string::npos);
}

TEST(Idx, ExtraTrailingBytesAreRefused) {
  TempDir dir;
  auto h = header(1, {2});
  h.insert(h.end(), {1, 2, 3});
  write_bytes(dir.file("long"), h);
  EXPECT_NE(read_error(dir.file("long"), 1).find("more data than its header declares"), std::string::npos);
}

TEST(Idx, CorruptGzipIsReported) {
  TempDir dir;
  auto set = genai::testing::make_tiny_images(20);
  write_idx(dir.file("x.gz"), set.images);
  auto bytes = genai::testing::read_bytes(dir.file("x.gz"));
  bytes.resize(bytes.size() / 2);
  write_bytes(dir.file("x.gz"), bytes);
  const auto message = read_error(dir.file("x.gz"), 3);
  EXPECT_TRUE(message.find("truncated") != std::string::npos || message.find("corrupt gzip") != std::string::npos) << message;
}

TEST(Idx, GzipWithoutGzNameGetsAHint) {
  TempDir dir;
  write_idx(dir.file("x.gz"), IdxArray{{1}, {3}});
  std::filesystem::rename(dir.file("x.gz"), dir.file("x"));
  EXPECT_NE(read_error(dir.file("x"), 1).find("rename it to end in .gz"), std::string::npos);
}

TEST(Idx, MissingFile) { EXPECT_EQ(read_error("/nonexistent/genai/file", 3), "/nonexistent/genai/file: no such file"); }

TEST(Idx, CountMismatchBetweenImagesAndLabels) {
  TempDir dir;
  auto set = genai::testing::make_tiny_images(10);
  write_idx(dir.file("img"), set.images);
  write_idx(dir.file("lbl"), IdxArray{{9}, std::vector<uint8_t>(9, 1)});
  try {
    read_labeled_images(dir.file("img"), dir.file("lbl"));
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("holds 9 labels but"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("holds 10 images"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace genai::data
