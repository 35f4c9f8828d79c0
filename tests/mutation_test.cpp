// Randomized mutation tests of the IDX and checkpoint readers: thousands of damaged files, each of which
// must either load or fail with genai::RuntimeError; no crash, no other exception, and no allocation
// larger than the file justifies. Also run under AddressSanitizer and UBSan (-DGENAI_SANITIZE=ON) in CI.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "allocation_tracker.h"
#include "genai/checkpoint.h"
#include "genai/data/idx.h"
#include "genai/error.h"
#include "genai/train/trainer.h"
#include "support.h"

namespace genai {
namespace {
using genai::testing::write_bytes;

struct Outcome {
  int loaded = 0;
  int rejected = 0;
};

// One random damage: bit flips, random bytes, a truncation, an extension, or a random 32-bit field.
std::vector<uint8_t> mutate(std::vector<uint8_t> bytes, std::mt19937_64& rng, size_t protected_prefix = 0) {
  auto pick = [&](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  const size_t kind = pick(6);
  const size_t start = std::min(protected_prefix, bytes.size());
  const size_t span = bytes.size() - start;
  if (kind == 0 && span) {
    for (int i = 0, n = 1 + static_cast<int>(pick(8)); i < n; ++i) bytes[start + pick(span)] ^= static_cast<uint8_t>(1u << pick(8));
  } else if (kind == 1 && span) {
    for (int i = 0, n = 1 + static_cast<int>(pick(16)); i < n; ++i) bytes[start + pick(span)] = static_cast<uint8_t>(rng());
  } else if (kind == 2) {
    bytes.resize(start + pick(span + 1));
  } else if (kind == 3) {
    for (int i = 0, n = 1 + static_cast<int>(pick(64)); i < n; ++i) bytes.push_back(static_cast<uint8_t>(rng()));
  } else if (kind == 4 && span >= 4) {
    const size_t at = start + pick(std::min<size_t>(span - 3, 64));  // header fields live near the start
    const uint32_t value = static_cast<uint32_t>(rng());
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(value >> (8 * (3 - i)));
  } else if (span) {
    const size_t from = start + pick(span), len = pick(std::min<size_t>(span - (from - start), 256));
    bytes.insert(bytes.begin() + static_cast<long>(start + pick(span)), bytes.begin() + static_cast<long>(from),
                 bytes.begin() + static_cast<long>(from + len));
  }
  return bytes;
}

Outcome fuzz_idx(const std::string& path, const std::vector<uint8_t>& original, int rank, int iterations, uint64_t seed, size_t decompressed) {
  std::mt19937_64 rng(seed);
  Outcome outcome;
  for (int i = 0; i < iterations; ++i) {
    const auto damaged = mutate(original, rng);
    write_bytes(path, damaged);
    genai::testing::LargestAllocation largest;
    try {
      const auto array = data::read_idx(path, rank);
      ++outcome.loaded;
      EXPECT_LE(array.bytes.size(), std::max(damaged.size(), decompressed + damaged.size()));
    } catch (const RuntimeError&) {
      ++outcome.rejected;
    }
    // Growing a vector may double its capacity once; anything more would be the header's word, not the data's.
    EXPECT_LE(largest.bytes(), 2 * std::max(damaged.size(), decompressed + damaged.size()) + (size_t{1} << 20)) << "iteration " << i;
  }
  return outcome;
}

TEST(Mutation, IdxReaderSurvivesThousandsOfDamagedFiles) {
  genai::testing::TempDir dir;
  const auto set = genai::testing::make_tiny_images(40);
  const int kIterations = 2000;
  Outcome total;
  for (const char* name : {"images", "images.gz"}) {
    data::write_idx(dir.file(name), set.images);
    const auto original = genai::testing::read_bytes(dir.file(name));
    const auto o = fuzz_idx(dir.file(std::string("m-") + name), original, 3, kIterations, 42, set.images.bytes.size() + 16);
    total.loaded += o.loaded, total.rejected += o.rejected;
  }
  data::write_idx(dir.file("labels"), set.labels);
  const auto o = fuzz_idx(dir.file("m-labels"), genai::testing::read_bytes(dir.file("labels")), 1, kIterations, 43, 64);
  total.loaded += o.loaded, total.rejected += o.rejected;
  std::printf("IDX mutations: %d files, %d loaded, %d rejected with a message, 0 crashes\n", total.loaded + total.rejected, total.loaded,
              total.rejected);
  EXPECT_EQ(total.loaded + total.rejected, 3 * kIterations);
  EXPECT_GT(total.rejected, kIterations);
}

std::string small_checkpoint(const genai::testing::TempDir& dir) {
  TrainConfig config;
  config.model.g_hidden = {8};
  config.model.d_hidden = {8};
  config.model.z_dim = 4;
  config.batch_size = 8;
  config.sample_grid = 1;
  train::Trainer trainer(config, data::to_dataset(genai::testing::make_tiny_images(16), "tiny", torch::kCPU), torch::kCPU);
  trainer.step();
  trainer.save_checkpoint(dir.file("good.pt"), to_toml(config));
  return dir.file("good.pt");
}

Outcome try_checkpoint(const std::string& path) {
  Outcome outcome;
  try {
    auto checkpoint = Checkpoint::open(path);
    checkpoint.load_generator();
    ++outcome.loaded;
  } catch (const RuntimeError&) {
    ++outcome.rejected;
  }
  return outcome;
}

TEST(Mutation, CheckpointReaderRejectsDamagedContainers) {
  genai::testing::TempDir dir;
  const auto original = genai::testing::read_bytes(small_checkpoint(dir));
  std::mt19937_64 rng(7);
  Outcome total;
  const int kIterations = 2000;
  for (int i = 0; i < kIterations; ++i) {
    const auto damaged = mutate(original, rng);
    if (damaged == original) continue;
    write_bytes(dir.file("m.pt"), damaged);
    genai::testing::LargestAllocation largest;
    const auto o = try_checkpoint(dir.file("m.pt"));
    total.loaded += o.loaded, total.rejected += o.rejected;
    EXPECT_LE(largest.bytes(), 2 * damaged.size() + 65536) << "iteration " << i;  // file buffer + stream buffers
  }
  std::printf("checkpoint container mutations: %d files, %d loaded, %d rejected with a message, 0 crashes\n", total.loaded + total.rejected,
              total.loaded, total.rejected);
  EXPECT_EQ(total.loaded, 0);  // every damaged container is caught by the length or the CRC-32
}

TEST(Mutation, CheckpointReaderSurvivesDamagedArchivesWithValidChecksums) {
  // Damage the records themselves and re-seal them with a valid checksum, so the record parser sees the
  // damage.
  genai::testing::TempDir dir;
  const auto sealed = genai::testing::read_bytes(small_checkpoint(dir));
  const std::string payload(sealed.begin() + 32, sealed.end());
  std::mt19937_64 rng(8);
  Outcome total;
  const int kIterations = 2000;
  for (int i = 0; i < kIterations; ++i) {
    const auto damaged = mutate(std::vector<uint8_t>(payload.begin(), payload.end()), rng);
    const auto file = wrap_checkpoint_payload(std::string(damaged.begin(), damaged.end()));
    write_bytes(dir.file("m.pt"), file);
    genai::testing::LargestAllocation largest;
    const auto o = try_checkpoint(dir.file("m.pt"));
    EXPECT_LE(largest.bytes(), 2 * file.size() + 65536) << "iteration " << i;
    total.loaded += o.loaded, total.rejected += o.rejected;
  }
  std::printf("re-sealed record mutations: %d files, %d loaded, %d rejected with a message, 0 crashes\n", total.loaded + total.rejected, total.loaded,
              total.rejected);
  EXPECT_EQ(total.loaded + total.rejected, kIterations);
}

}  // namespace
}  // namespace genai
