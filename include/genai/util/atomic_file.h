#pragma once
// Whole-file writes that never leave a half-written file behind: the bytes go to a temporary file in
// the same directory, are flushed and fsync'ed, then renamed over the target (rename is atomic on POSIX).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace genai::util {

void write_file_atomically(const std::string& path, const void* data, size_t size);
inline void write_file_atomically(const std::string& path, const std::string& text) { write_file_atomically(path, text.data(), text.size()); }

// For writers that need a path (e.g. LibTorch's archive): `write_to(tmp_path)` fills a temporary
// file, which is then fsync'ed and renamed to `path`. On any exception the temporary file is removed.
void write_via_temp_file(const std::string& path, const std::function<void(const std::string&)>& write_to);

// Reads a whole file; throws genai::RuntimeError("<path>: ...") when it cannot.
std::vector<uint8_t> read_file(const std::string& path);

}  // namespace genai::util
