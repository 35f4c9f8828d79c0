#include "genai/util/sha256.h"

#include <gtest/gtest.h>

#include <fstream>

#include "genai/error.h"
#include "support.h"

namespace genai {
namespace {

// FIPS 180-4 examples (NIST's published digests).
TEST(Sha256, KnownDigests) {
  EXPECT_EQ(util::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(util::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(util::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(util::sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileMatchesBytesAcrossChunkBoundaries) {
  genai::testing::TempDir dir;
  std::string bytes;
  for (int i = 0; i < (1 << 20) + 77; ++i) bytes += static_cast<char>(i * 31 % 251);
  std::ofstream(dir.file("f.bin"), std::ios::binary) << bytes;
  EXPECT_EQ(util::sha256_file(dir.file("f.bin")), util::sha256_hex(bytes));
  EXPECT_THROW(util::sha256_file(dir.file("missing")), RuntimeError);
}

}  // namespace
}  // namespace genai
