#pragma once
// Shared test fixtures: temporary directories, tiny IDX datasets written by the tests themselves,
// and running the real genai binary.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "genai/config.h"
#include "genai/config/schema.h"
#include "genai/data/dataset.h"
#include "genai/data/idx.h"

namespace genai::testing {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// n synthetic 28x28 images with labels 0..9: class c is a bright horizontal bar at row 4 + 2c plus
// seeded noise, so the images and labels are distinct and deterministic.
data::LabeledImages make_tiny_images(int64_t n, uint64_t seed = 1);

// make_tiny_images(n) as a CPU dataset.
data::ImageDataset tiny_dataset(int64_t n);
// A small, fast training configuration of `kind` (mlp, dcgan ...): DCGAN width 8, batch 16, a 4x4 sample grid.
TrainConfig tiny_config(const std::string& kind, uint64_t seed);

// Writes train-* (and t10k-*) IDX files of n images into dir, gzipped when `gz`.
void write_tiny_dataset(const std::filesystem::path& dir, int64_t n, bool gz = false);

// A PNG (or, for a .jpg/.jpeg name, a baseline JPEG at quality 95) of width x height with `channels` (1-4)
// interleaved bytes of seeded noise over a bright diagonal, so images differ and decode to known bytes (PNG).
void write_image_file(const std::filesystem::path& path, int width, int height, int channels, uint64_t seed = 1);
// The same with given pixels (width x height x channels bytes, interleaved).
void write_image_file(const std::filesystem::path& path, int width, int height, int channels, const std::vector<uint8_t>& pixels);
// A folder of n RGB PNGs of side x side; with `classes` > 0, in subfolders class_0 ... (image i in class i % classes).
void write_image_folder(const std::filesystem::path& dir, int n, int side, int classes = 0);

// `base` with one model field of the schema (genai/config/schema.h) set to another value that validate() accepts:
// the nearest number above the field's value (else below) within its check, the other boolean, another member of a
// closed set, another list. One per model field, in the table's order: a test that writes and reads each back catches a
// path that forgets a field. Throws std::logic_error naming a field it finds no other valid value for.
struct ModelFieldVariant {
  const TrainField* field;
  ModelConfig model;
};
std::vector<ModelFieldVariant> model_field_variants(const ModelConfig& base);

std::string read_text(const std::string& path);
// Writes `bytes` to `file` as they are, creating its folder.
void write_bytes(const std::filesystem::path& file, const std::vector<uint8_t>& bytes);
// A PNG's width and height from its header; {-1, -1} when it is not an image stb can read.
std::pair<int, int> png_size(const std::filesystem::path& file);
std::vector<uint8_t> read_bytes(const std::string& path);

// Result of running the genai binary built with the tests.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs `genai ARGUMENTS` in work_dir ON THE CPU: the e2e tests check bitwise reproducibility and exact
// resume, which genai promises on the CPU only, so a train/sample/eval/bench command that names no device
// gets `--device cpu` (on a GPU machine `auto` would pick CUDA). Tests meant for CUDA use run_genai_as_is
// with an explicit --device cuda and are named *_CUDA.
CommandResult run_genai(const std::string& arguments, const std::filesystem::path& work_dir);
// The arguments exactly as given.
CommandResult run_genai_as_is(const std::string& arguments, const std::filesystem::path& work_dir);
// The arguments with `--device cpu` added as run_genai does.
std::string on_cpu(const std::string& arguments);

// Starts genai (the arguments as run_genai adapts them) in the background (stdout/stderr to files in work_dir); returns its process id.
int spawn_genai(const std::string& arguments, const std::filesystem::path& work_dir);
// The same with environment assignments before the command ("RANK=0 WORLD_SIZE=2 ...") and its stdout/stderr in
// work_dir/NAME.stdout and NAME.stderr (several processes side by side).
int spawn_genai_with(const std::string& environment, const std::string& arguments, const std::filesystem::path& work_dir, const std::string& name);
// Waits for a spawned process; returns its exit code (128 + signal if it was killed).
int wait_for_exit(int pid);

// The project source directory.
std::string source_dir();
// The genai binary of this build (beside the tests/ folder that holds the test executables).
std::string genai_binary();

// True under CI (CI=true), where tests that need real data must fail instead of skipping without it.
bool in_ci();

}  // namespace genai::testing

// For tests that need real data (data/mnist): a skip on a developer machine without it, a failure in CI.
#define GENAI_SKIP_OR_FAIL_WITHOUT_REAL_DATA(message)                                                     \
  do {                                                                                                    \
    if (::genai::testing::in_ci()) FAIL() << message << " (CI=true: the real-data tests must run in CI)"; \
    GTEST_SKIP() << message;                                                                              \
  } while (0)
