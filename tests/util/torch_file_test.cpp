// The torch.save reader on files built byte by byte: the legacy format and the zip format holding the same state
// dict (a non-contiguous float tensor behind an OrderedDict, an int64 scalar), and files it must refuse: a pickle
// that calls os.system, a damaged zip entry, a truncated file, not a PyTorch file at all. Real files: pytorch-fid's
// layout saved by torch 2.x (tests/python/fid_test.py) and the EfficientNet-Lite0 weights saved by torch 1.x
// (tests/python/efficientnet_test.py, tests/eval/pretrained_test.cpp).
#include "genai/util/torch_file.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "genai/error.h"
#include "support.h"

namespace genai::util {
namespace {

std::string text(const std::string& s) {  // BINUNICODE
  const uint32_t n = static_cast<uint32_t>(s.size());
  return std::string("X") + std::string(reinterpret_cast<const char*>(&n), 4) + s;
}

// One tensor of `storage` as _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()).
std::string rebuild(const std::string& type, const std::string& key, char numel, const std::string& size, const std::string& stride, bool legacy) {
  return "ctorch._utils\n_rebuild_tensor_v2\n(" + std::string("(") + text("storage") + "ctorch\n" + type + "\n" + text(key) + text("cpu") + "K" +
         std::string(1, numel) + (legacy ? "N" : "") + "tQ" + std::string("K\x00", 2) + size + stride + "\x89" + "ccollections\nOrderedDict\n)R" +
         "tR";
}

// {"w": a [2, 3] float tensor with strides (1, 2) over storage "0" = 0..5, "n": int64 scalar 42 in storage "1"}.
std::string state_dict_pickle(bool legacy) {
  return std::string("\x80\x02") + "ccollections\nOrderedDict\n)R(" + text("w") +
         rebuild("FloatStorage", "0", 6, std::string("K\x02K\x03\x86", 5), std::string("K\x01K\x02\x86", 5), legacy) + text("n") +
         rebuild("LongStorage", "1", 1, ")", ")", legacy) + "u" + "}b" + ".";  // BUILD with an empty _metadata-like state
}

std::string storages_bytes() {
  std::string s;
  for (float v : {0.f, 1.f, 2.f, 3.f, 4.f, 5.f}) s.append(reinterpret_cast<const char*>(&v), 4);
  return s;
}
std::string long_bytes(int64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

std::string legacy_file(const std::string& object) {
  std::string f = std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);  // magic number
  f += std::string("\x80\x02M\xe9\x03.", 6);                                                     // protocol 1001
  f += std::string("\x80\x02}(") + text("little_endian") + "\x88u.";                             // system info
  f += object;
  f += std::string("\x80\x02](") + text("0") + text("1") + "e.";  // storage keys
  f += long_bytes(6) + storages_bytes() + long_bytes(1) + long_bytes(42);
  return f;
}

// A zip of stored entries, as torch.save writes it.
std::string zip_file(const std::vector<std::pair<std::string, std::string>>& entries) {
  auto u16 = [](uint32_t v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF)}; };
  auto u32 = [&](uint32_t v) { return u16(v & 0xFFFF) + u16(v >> 16); };
  std::string out, directory;
  for (const auto& [name, data] : entries) {
    const uint32_t crc = crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    const uint32_t offset = static_cast<uint32_t>(out.size());
    const std::string common = u16(0) + u16(0) + u16(0) + u16(0) + u32(crc) + u32(data.size()) + u32(data.size()) + u16(name.size()) + u16(0);
    out += u32(0x04034b50) + u16(20) + common + name + data;
    directory += u32(0x02014b50) + u16(20) + u16(20) + common + u16(0) + u16(0) + u16(0) + u32(0) + u32(offset) + name;
  }
  const uint32_t at = static_cast<uint32_t>(out.size());
  out += directory + u32(0x06054b50) + u16(0) + u16(0) + u16(entries.size()) + u16(entries.size()) + u32(directory.size()) + u32(at) + u16(0);
  return out;
}

std::string write(const genai::testing::TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

void expect_state_dict(const NamedTensors& tensors) {
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].first, "w");
  EXPECT_TRUE(tensors[0].second.equal(torch::tensor({{0.f, 2.f, 4.f}, {1.f, 3.f, 5.f}})));  // strides (1, 2) honoured
  EXPECT_TRUE(tensors[0].second.is_contiguous());
  EXPECT_EQ(tensors[1].first, "n");
  EXPECT_EQ(tensors[1].second.dim(), 0);
  EXPECT_EQ(tensors[1].second.scalar_type(), torch::kInt64);
  EXPECT_EQ(tensors[1].second.item<int64_t>(), 42);
}

void expect_refused(const std::string& path, const std::string& message) {
  try {
    read_torch_state_dict(path);
    FAIL() << "no error for " << path;
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

std::vector<std::pair<std::string, std::string>> zip_entries() {
  std::string floats = storages_bytes();
  return {{"archive/data.pkl", state_dict_pickle(false)},
          {"archive/byteorder", "little"},
          {"archive/data/0", floats},
          {"archive/data/1", long_bytes(42)},
          {"archive/version", "3\n"}};
}

TEST(TorchFile, ReadsTheLegacyFormat) {
  genai::testing::TempDir dir;
  expect_state_dict(read_torch_state_dict(write(dir, "legacy.pth", legacy_file(state_dict_pickle(true)))));
}

TEST(TorchFile, ReadsTheZipFormat) {
  genai::testing::TempDir dir;
  expect_state_dict(read_torch_state_dict(write(dir, "zip.pth", zip_file(zip_entries()))));
}

TEST(TorchFile, RefusesAPickleThatCallsAnythingElse) {
  genai::testing::TempDir dir;
  const std::string evil = std::string("\x80\x02") + "cos\nsystem\n" + text("touch /tmp/genai-pwned") + "\x85R.";
  expect_refused(write(dir, "evil-legacy.pth", legacy_file(evil)), "holds an object of type os.system");
  auto entries = zip_entries();
  entries[0].second = evil;
  expect_refused(write(dir, "evil.pth", zip_file(entries)), "holds an object of type os.system");
}

TEST(TorchFile, RefusesDamagedAndForeignFiles) {
  genai::testing::TempDir dir;
  std::string damaged = zip_file(zip_entries());
  damaged[damaged.find("little")] = 'L';  // the bytes no longer match the entry's CRC-32
  expect_refused(write(dir, "damaged.pth", damaged), "fails its CRC-32 check");
  const std::string whole = zip_file(zip_entries());
  expect_refused(write(dir, "truncated.pth", whole.substr(0, whole.size() / 2)), "central directory");
  const std::string legacy = legacy_file(state_dict_pickle(true));
  expect_refused(write(dir, "short.pth", legacy.substr(0, legacy.size() - 4)), "storage 1");
  expect_refused(write(dir, "image.png", "\x89PNG\r\n\x1a\n"), "not a PyTorch weights file");
  auto no_storage = zip_entries();
  no_storage.erase(no_storage.begin() + 3);
  expect_refused(write(dir, "missing.pth", zip_file(no_storage)), "storage 1 is missing");
  expect_refused(dir.file("absent.pth"), "cannot open");
}

}  // namespace
}  // namespace genai::util
