#pragma once
// The log of one command: stderr (colour only on a terminal) and, optionally, a file. spdlog lives behind
// this class, in log.cpp, which is compiled WITHOUT LibTorch's include directory: Debian's spdlog is built on
// fmt 9 and the torch wheel's include directory carries fmt 12, which spdlog would otherwise pick up.
#include <memory>
#include <string>

#include "genai/util/format.h"

namespace genai::cli {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

class Log {
 public:
  // console_level: the least severe level shown on stderr; the file (when given) gets everything.
  Log(LogLevel console_level, const std::string& file);
  ~Log();

  template <class... Args>
  void debug(std::string_view text, const Args&... args) {
    write(LogLevel::kDebug, message(text, args...));
  }
  template <class... Args>
  void info(std::string_view text, const Args&... args) {
    write(LogLevel::kInfo, message(text, args...));
  }
  template <class... Args>
  void warn(std::string_view text, const Args&... args) {
    write(LogLevel::kWarn, message(text, args...));
  }
  template <class... Args>
  void error(std::string_view text, const Args&... args) {
    write(LogLevel::kError, message(text, args...));
  }

  void write(LogLevel level, const std::string& line);
  // A text without arguments is a finished line (a path may hold braces): written as it is.
  template <class... Args>
  static std::string message(std::string_view text, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
      return std::string(text);
    } else {
      return ::genai::util::format(text, args...);
    }
  }
  // For a live progress line drawn on the terminal by the caller: whether stderr shows info lines, and
  // the line written to the file alone.
  bool console_shows(LogLevel level) const;
  void write_to_file_only(LogLevel level, const std::string& line);

 private:
  struct Sinks;
  std::unique_ptr<Sinks> sinks_;
};

}  // namespace genai::cli
