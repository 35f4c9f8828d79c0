#include "genai/util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "genai/error.h"

namespace genai::util {
namespace {

std::string temp_name_for(const std::string& path) {
  // Unique per process and call, in the target's directory so that rename() stays on one filesystem.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rng() % 1000000007ULL);
}

void fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;  // best effort: some filesystems refuse to open directories
  ::fsync(fd);
  ::close(fd);
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void write_via_temp_file(const std::string& path, const std::function<void(const std::string&)>& write_to) {
  const std::string tmp = temp_name_for(path);
  try {
    write_to(tmp);
    fsync_path(tmp, O_RDONLY);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw file_error(path, "cannot rename temporary file into place: " + errno_text());
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  fsync_path(parent.empty() ? "." : parent.string(), O_RDONLY | O_DIRECTORY);
}

void write_file_atomically(const std::string& path, const void* data, size_t size) {
  write_via_temp_file(path, [&](const std::string& tmp) {
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw file_error(path, "cannot write: " + errno_text() + " (check that the directory exists and is writable)");
    const bool ok = std::fwrite(data, 1, size, f) == size;
    const bool closed = std::fclose(f) == 0;
    if (!ok || !closed) throw file_error(path, "write failed: " + errno_text() + " (disk full?)");
  });
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw file_error(path, "no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, "cannot open for reading");
  std::vector<uint8_t> bytes(std::filesystem::file_size(path, ec));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<size_t>(in.gcount()) != bytes.size()) throw file_error(path, "read failed");
  return bytes;
}

}  // namespace genai::util
