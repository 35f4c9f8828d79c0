#pragma once
// genai's two kinds of failure. Both carry a one-line message; the command boundary (src/cli/main.cpp)
// prints it as "genai: error: <message>" and maps the kind to the exit code.
#include <stdexcept>
#include <string>

namespace genai {

// Bad flags, config keys or values: the user must change the command. Exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Something failed while running: a file, the data, a checkpoint, the device. Exit code 1.
struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A problem with one file, as "<path>: <what is wrong>".
inline RuntimeError file_error(const std::string& path, const std::string& what) {
  return RuntimeError(path + ": " + what);
}

}  // namespace genai
