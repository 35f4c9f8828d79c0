#pragma once
// genai's two kinds of failure. Both carry a one-line message; the command boundary (src/cli/main.cpp)
// prints it as "genai: error: <message>" and maps the kind to the exit code.
#include <stdexcept>
#include <string>
#include <vector>

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
inline RuntimeError file_error(const std::string& path, const std::string& what) { return RuntimeError(path + ": " + what); }

// Throws one UsageError naming every problem ("invalid config (2 problems): a; b"); returns if none.
inline void throw_if_problems(const std::vector<std::string>& problems, const std::string& what = "invalid config") {
  if (problems.empty()) return;
  std::string message = problems.size() == 1 ? what + ": " : what + " (" + std::to_string(problems.size()) + " problems): ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  throw UsageError(message);
}

}  // namespace genai
