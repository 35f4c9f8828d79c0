#include "genai/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "genai/config/schema.h"
#include "genai/error.h"
#include "genai/train/flat_adam.h"
#include "genai/train/run_directory.h"
#include "genai/train/trainer.h"
#include "genai/util/record_file.h"
#include "support.h"

namespace genai {
namespace {
using genai::testing::TempDir;
using genai::testing::tiny_config;
using genai::testing::tiny_dataset;

std::string open_error(const std::string& path) {
  try {
    Checkpoint::open(path);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Checkpoint, SaveLoadGivesIdenticalGeneratorOutput) {
  TempDir dir;
  for (const char* kind : {"mlp", "dcgan"}) {
    train::Trainer trainer(tiny_config(kind, 3), tiny_dataset(100), torch::kCPU);
    for (int i = 0; i < 5; ++i) trainer.step();
    const auto path = dir.file(std::string(kind) + ".pt");
    trainer.save_checkpoint(path, "# config");
    auto checkpoint = Checkpoint::open(path);
    EXPECT_STREQ(name(checkpoint.meta().model.kind), kind);
    EXPECT_EQ(checkpoint.meta().step, 5);
    EXPECT_EQ(checkpoint.meta().config_toml, "# config");
    auto loaded = checkpoint.load_generator();
    auto& original = *trainer.gan().generator;
    original.eval();
    loaded->eval();
    torch::NoGradGuard g;
    auto z = torch::randn({6, 100});
    EXPECT_TRUE(torch::equal(original.forward(z), loaded->forward(z))) << kind;
  }
}

TEST(Checkpoint, ResumeContinuesBitwiseLikeAStraightRun) {
  TempDir dir;
  train::Trainer straight(tiny_config("dcgan", 3), tiny_dataset(100), torch::kCPU);
  for (int i = 0; i < 12; ++i) straight.step();

  train::Trainer first(tiny_config("dcgan", 3), tiny_dataset(100), torch::kCPU);
  for (int i = 0; i < 7; ++i) first.step();
  first.save_checkpoint(dir.file("c.pt"), "");
  auto config = tiny_config("dcgan", 3);
  config.seed = 99;  // everything that matters must come from the checkpoint
  train::Trainer resumed(config, tiny_dataset(100), torch::kCPU);
  resumed.restore(Checkpoint::open(dir.file("c.pt")));
  EXPECT_EQ(resumed.steps_done(), 7);
  for (int i = 0; i < 5; ++i) resumed.step();
  auto a = straight.gan().generator->parameters(), b = resumed.gan().generator->parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "G parameter " << i;
  auto da = straight.gan().discriminator->parameters(), db = resumed.gan().discriminator->parameters();
  for (size_t i = 0; i < da.size(); ++i) EXPECT_TRUE(torch::equal(da[i], db[i])) << "D parameter " << i;
}

TEST(Checkpoint, TruncatedFileGivesAClearError) {
  TempDir dir;
  train::Trainer trainer(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU);
  trainer.save_checkpoint(dir.file("c.pt"), "");
  std::filesystem::resize_file(dir.file("c.pt"), std::filesystem::file_size(dir.file("c.pt")) / 2);
  const auto message = open_error(dir.file("c.pt"));
  EXPECT_EQ(message.rfind(dir.file("c.pt") + ": truncated or corrupt checkpoint: header says ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

// A damaged file can declare a tensor with a zero dimension (the mutation test found one under UBSan): it reads as an
// empty tensor of that shape, as a written one does, without handing memcpy the null data pointer of no storage.
TEST(Checkpoint, ATensorWithAZeroDimensionRoundTripsThroughTheRecords) {
  const util::RecordFormat format{"genai-test-recs\n", 1, "test file"};
  util::RecordWriter writer;
  writer.tensor("empty", torch::zeros({0, 3}));
  writer.tensor("after", torch::arange(4, torch::kFloat32));
  const auto file = util::seal_records(format, writer.bytes());
  const auto [offset, length] = util::verify_sealed(format, "mem", file);
  const auto records = util::parse_records(format, "mem", file.data() + offset, length);
  const auto& empty = records.get<torch::Tensor>("empty");
  EXPECT_EQ(empty.sizes(), (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(torch::equal(records.get<torch::Tensor>("after"), torch::arange(4, torch::kFloat32)));
}

TEST(Checkpoint, OtherFilesAreNotCheckpoints) {
  TempDir dir;
  std::ofstream(dir.file("text.pt")) << "hello";
  EXPECT_EQ(open_error(dir.file("text.pt")), dir.file("text.pt") + ": not a genai checkpoint (no GENAI-CHECKPOINT header)");
  EXPECT_EQ(open_error(dir.file("missing.pt")), dir.file("missing.pt") + ": no such checkpoint file");
  // A LibTorch archive (torch::save) is not a genai checkpoint.
  torch::serialize::OutputArchive archive;
  archive.write("x", torch::ones({2}));
  archive.save_to(dir.file("foreign.pt"));
  EXPECT_NE(open_error(dir.file("foreign.pt")).find("no GENAI-CHECKPOINT header"), std::string::npos);
  // The same archive sealed in a valid genai header is not made of genai records.
  std::ostringstream payload;
  archive.save_to(payload);
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream(dir.file(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  };
  write("wrapped.pt", wrap_checkpoint_payload(payload.str()));
  EXPECT_NE(open_error(dir.file("wrapped.pt")).find(": corrupt checkpoint: "), std::string::npos) << open_error(dir.file("wrapped.pt"));
  // Well-formed records that are not a checkpoint: byte by byte, one integer record "step" = 3.
  std::string record;
  const uint32_t name_length = 4;
  record.append(reinterpret_cast<const char*>(&name_length), 4);
  record += "step";
  record += '\x01';  // an integer
  const int64_t value = 3;
  record.append(reinterpret_cast<const char*>(&value), 8);
  write("partial.pt", wrap_checkpoint_payload(record));
  EXPECT_EQ(open_error(dir.file("partial.pt")), dir.file("partial.pt") + ": not a complete genai checkpoint: missing \"format_version\"");
}

// Format 2 holds the model spec as one record; format 1 files (per-field records) are still read; a newer file
// says so instead of failing on a missing record.
TEST(Checkpoint, ReadsFormatsOneAndTwoAndNamesANewerOne) {
  TempDir dir;
  auto bytes = wrap_checkpoint_payload("");
  auto with_version = [&](uint8_t version) {
    bytes[28] = version;  // the header's format version (u32 LE); the checksum covers the payload only
    std::ofstream(dir.file("v.pt"), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return open_error(dir.file("v.pt"));
  };
  EXPECT_EQ(bytes[28], 2);
  EXPECT_EQ(with_version(3), dir.file("v.pt") + ": checkpoint format 3 is not supported (this genai reads format 1 to 2; a newer genai wrote it)");
  EXPECT_EQ(with_version(0), dir.file("v.pt") + ": checkpoint format 0 is not supported (this genai reads format 1 to 2)");
  EXPECT_NE(with_version(1).find("missing \"format_version\""), std::string::npos) << with_version(1);  // read as far as its records
}

TEST(Checkpoint, IdenticalStatesGiveIdenticalFiles) {
  TempDir dir;
  for (const char* name : {"a.pt", "b.pt"}) {
    train::Trainer trainer(tiny_config("dcgan", 3), tiny_dataset(100), torch::kCPU);
    for (int i = 0; i < 3; ++i) trainer.step();
    trainer.save_checkpoint(dir.file(name), "same");
  }
  EXPECT_EQ(genai::testing::read_bytes(dir.file("a.pt")), genai::testing::read_bytes(dir.file("b.pt")));
}

TEST(Checkpoint, FlippedByteFailsTheChecksum) {
  TempDir dir;
  train::Trainer trainer(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU);
  trainer.save_checkpoint(dir.file("c.pt"), "");
  auto bytes = genai::testing::read_bytes(dir.file("c.pt"));
  bytes[bytes.size() / 2] ^= 0x01;
  std::ofstream(dir.file("c.pt"), std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  EXPECT_EQ(open_error(dir.file("c.pt")), dir.file("c.pt") + ": corrupt checkpoint: checksum mismatch (the file was damaged after it was written)");
}

TEST(Checkpoint, NewestCheckpointPicksTheHighestStep) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "checkpoints");
  for (int64_t step : {900, 12000, 5000}) std::ofstream(dir.path() / "checkpoints" / checkpoint_file_name(step)) << "x";
  EXPECT_EQ(newest_checkpoint(dir.path().string()), (dir.path() / "checkpoints" / "step_00012000.pt").string());
  TempDir empty;
  EXPECT_THROW(newest_checkpoint(empty.path().string()), RuntimeError);
}

}  // namespace
}  // namespace genai

namespace genai {
namespace {

TEST(RunDirectoryCheckpoints, AFailedWriteNeverRotatesAwayTheGoodOnes) {
  TempDir dir;
  train::Trainer trainer(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU);
  train::RunDirectory run(dir.file("run"), false, /*tensorboard=*/false);
  auto save = [&](const std::string& path) { trainer.save_checkpoint(path, ""); };
  run.write_checkpoint(1, 1, save);
  // A save that fails (disk full) and one that writes garbage: both reported, the good one stays.
  EXPECT_THROW(run.write_checkpoint(2, 1, [](const std::string& path) { throw file_error(path, "No space left on device"); }), RuntimeError);
  EXPECT_THROW(run.write_checkpoint(3, 1, [](const std::string& path) { std::ofstream(path) << "garbage"; }), RuntimeError);
  EXPECT_EQ(newest_checkpoint(run.path()), dir.file("run") + "/checkpoints/step_00000001.pt");
  EXPECT_NO_THROW(Checkpoint::open(newest_checkpoint(run.path())));
  run.write_checkpoint(4, 1, save);  // a good one rotates the old one out
  EXPECT_FALSE(std::filesystem::exists(dir.file("run") + "/checkpoints/step_00000001.pt"));
}

// A checkpoint as another device type would write it: the same record layout, with a noise generator
// state of `rng_bytes` bytes (CUDA's generator keeps 16: seed and offset; the CPU's keeps its mt19937).
void save_with_noise_state(const std::string& path, const TrainConfig& config, int64_t rng_bytes, int64_t step = 5) {
  TrainingState state;
  state.gan = models::make_gan(config.model);
  state.optimizer_g.lr = config.adam_g.lr;  // before the first step: no moments
  state.optimizer_d.lr = config.adam_d.lr;
  state.noise_rng_state = torch::arange(rng_bytes, torch::kInt64).remainder(251).to(torch::kUInt8);
  CheckpointMeta meta;
  meta.model = config.model;
  meta.step = step;
  save_checkpoint(path, meta, state);
}

TEST(Checkpoint, ACudaCheckpointResumesOnTheCpuWithANewNoiseStreamAndAWarning) {
  TempDir dir;
  save_with_noise_state(dir.file("cuda.pt"), tiny_config("mlp", 3), 16);
  train::Trainer a(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU), b(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU);
  const auto warnings = a.restore(Checkpoint::open(dir.file("cuda.pt")));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("was written on CUDA and training continues on cpu"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("bitwise only on the same device type"), std::string::npos) << warnings[0];
  EXPECT_EQ(a.steps_done(), 5);
  // The re-derived stream is a function of the seed and step: two resumes agree bitwise, and the same
  // weights resumed at another step (same data position) draw other noise, so they train differently.
  b.restore(Checkpoint::open(dir.file("cuda.pt")));
  save_with_noise_state(dir.file("cuda6.pt"), tiny_config("mlp", 3), 16, /*step=*/6);
  train::Trainer c(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU);
  c.restore(Checkpoint::open(dir.file("cuda6.pt")));
  for (int i = 0; i < 3; ++i) a.step(), b.step(), c.step();
  const auto pa = a.gan().generator->parameters(), pb = b.gan().generator->parameters(), pc = c.gan().generator->parameters();
  bool all_equal_to_c = true;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "G parameter " << i;
    all_equal_to_c = all_equal_to_c && torch::equal(pa[i], pc[i]);
  }
  EXPECT_FALSE(all_equal_to_c) << "the noise stream after a cross-device resume does not depend on the step";
}

TEST(Checkpoint, ANoiseStateOfNeitherDeviceTypeIsCorrupt) {
  TempDir dir;
  save_with_noise_state(dir.file("odd.pt"), tiny_config("mlp", 3), 7);
  train::Trainer trainer(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU);
  try {
    trainer.restore(Checkpoint::open(dir.file("odd.pt")));
    FAIL() << "a 7-byte generator state was accepted";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt checkpoint: the noise generator state fits neither a CPU nor a CUDA generator"), std::string::npos)
        << e.what();
  }
}

TEST(Checkpoint, ASameDeviceResumeHasNoWarning) {
  TempDir dir;
  train::Trainer first(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU);
  first.step();
  first.save_checkpoint(dir.file("c.pt"), "");
  train::Trainer resumed(tiny_config("mlp", 3), tiny_dataset(100), torch::kCPU);
  EXPECT_TRUE(resumed.restore(Checkpoint::open(dir.file("c.pt"))).empty());
}

// A checkpoint of `model`'s untrained networks (open() reads the meta; the noise state is never used here).
void save_untrained(const std::string& path, const ModelConfig& model) {
  TrainingState state;
  state.gan = models::make_gan(model);
  state.optimizer_g.lr = state.optimizer_d.lr = 2e-4;
  state.noise_rng_state = torch::zeros({16}, torch::kUInt8);
  CheckpointMeta meta;
  meta.model = model;
  save_checkpoint(path, meta, state);
}

// The schema's model field values of `model`, key by key.
std::vector<std::pair<std::string, std::string>> model_values(const ModelConfig& model) {
  TrainConfig config;
  config.model = model;
  std::vector<std::pair<std::string, std::string>> values;
  for (const TrainField* field : model_fields()) values.emplace_back(field->key, toml_value(*field, config));
  return values;
}

// Every model field of the schema survives a checkpoint with no code of its own: each set alone to another valid value,
// saved, opened back. A field the checkpoint forgot would read back as its default.
TEST(Checkpoint, EveryModelFieldOfTheSchemaReadsBack) {
  TempDir dir;
  ModelConfig base;
  base.z_dim = 4;
  base.g_hidden = {8};
  base.d_hidden = {8};
  base.dcgan_channels = 4;
  base.channels = 1;  // resolved, as a run saves it
  base.image_size = 28;
  const auto variants = genai::testing::model_field_variants(base);
  ASSERT_GE(variants.size(), 12u);  // model, z-dim, ..., clusters: the table marks them
  for (const auto& variant : variants) {
    const std::string key = variant.field->key;
    TrainConfig written, unchanged;
    written.model = variant.model;
    unchanged.model = base;
    ASSERT_NE(toml_value(*variant.field, written), toml_value(*variant.field, unchanged)) << key;
    const std::string path = dir.file(key + ".pt");
    save_untrained(path, variant.model);
    EXPECT_EQ(model_values(Checkpoint::open(path).meta().model), model_values(variant.model)) << "with " << key << " set";
  }
}

TEST(Checkpoint, ClassesAndClassNamesAreRecordsOfTheirOwn) {
  TempDir dir;
  ModelConfig model;
  model.kind = ModelKind::kCmlp;
  model.g_hidden = model.d_hidden = {8};
  model.classes = 3;
  model.class_names = {"cat", "dog", "two words"};
  save_untrained(dir.file("c.pt"), model);
  const auto meta = Checkpoint::open(dir.file("c.pt")).meta();
  EXPECT_EQ(meta.model.classes, 3);
  EXPECT_EQ(meta.model.class_names, model.class_names);
  EXPECT_EQ(meta.model.channels, 1);  // unresolved when saved: read as the legacy 1x28x28
  EXPECT_EQ(meta.model.image_size, 28);
}

// Checkpoints of genai 0.1 (tests/data/legacy/README.md) hold one record per model field: they read as they were
// written, with the shape they had (1x28x28), and agree with the config saved beside them.
TEST(Checkpoint, LegacyCheckpointsReadTheirModelRecords) {
  const std::string legacy = genai::testing::source_dir() + "/tests/data/legacy/";
  const auto mlp = Checkpoint::open(legacy + "mlp-v0.1.0.pt");
  EXPECT_STREQ(name(mlp.meta().model.kind), "mlp");
  EXPECT_EQ(mlp.meta().model.z_dim, 100);
  EXPECT_EQ(mlp.meta().model.g_hidden, std::vector<int64_t>{32});
  EXPECT_EQ(mlp.meta().model.d_hidden, std::vector<int64_t>{32});
  EXPECT_EQ(mlp.meta().model.classes, 0);
  EXPECT_TRUE(mlp.has_ema());
  const auto cdcgan = Checkpoint::open(legacy + "cdcgan-v0.1.0.pt");
  EXPECT_STREQ(name(cdcgan.meta().model.kind), "cdcgan");
  EXPECT_EQ(cdcgan.meta().model.dcgan_channels, 4);
  EXPECT_EQ(cdcgan.meta().model.classes, 10);
  EXPECT_TRUE(cdcgan.meta().model.class_names.empty());
  for (const auto* checkpoint : {&mlp, &cdcgan}) {
    const ModelConfig& model = checkpoint->meta().model;
    EXPECT_EQ(image_shape(model), kMnistShape);
    EXPECT_EQ(model_values(model), model_values(with_image_shape(parse_model_config(checkpoint->meta().config_toml)))) << checkpoint->path();
  }
}

// A damaged model spec (valid checksum) is a one-line error naming the file, not a crash.
TEST(Checkpoint, AnUnreadableModelSpecIsACorruptCheckpoint) {
  TempDir dir;
  ModelConfig model;
  model.g_hidden = model.d_hidden = {8};
  save_untrained(dir.file("c.pt"), model);
  const auto sealed = genai::testing::read_bytes(dir.file("c.pt"));
  std::string payload(sealed.begin() + 32, sealed.end());
  const std::string from = "model = \"mlp\"", to = "model = \"vae\"";  // same length: the record's length stays right
  const size_t at = payload.find(from);
  ASSERT_NE(at, std::string::npos);
  payload.replace(at, from.size(), to);
  const auto file = wrap_checkpoint_payload(payload);
  std::ofstream(dir.file("bad.pt"), std::ios::binary).write(reinterpret_cast<const char*>(file.data()), file.size());
  const std::string message = open_error(dir.file("bad.pt"));
  EXPECT_EQ(message.rfind(dir.file("bad.pt") + ": corrupt checkpoint: model spec: ", 0), 0u) << message;
  EXPECT_NE(message.find("vae"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace
}  // namespace genai
