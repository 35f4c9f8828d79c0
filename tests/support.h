#pragma once
// Shared test fixtures: temporary directories, tiny IDX datasets written by the tests themselves,
// and running the real genai binary.
#include <cstdint>
#include <filesystem>
#include <string>

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

// Writes train-* (and t10k-*) IDX files of n images into dir, gzipped when `gz`.
void write_tiny_dataset(const std::filesystem::path& dir, int64_t n, bool gz = false);

std::string read_text(const std::string& path);
std::vector<uint8_t> read_bytes(const std::string& path);

// Result of running the genai binary built with the tests.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult run_genai(const std::string& arguments, const std::filesystem::path& work_dir);

// Starts genai in the background (stdout/stderr to files in work_dir); returns its process id.
int spawn_genai(const std::string& arguments, const std::filesystem::path& work_dir);
// Waits for a spawned process; returns its exit code (128 + signal if it was killed).
int wait_for_exit(int pid);

// The project source directory.
std::string source_dir();

}  // namespace genai::testing
