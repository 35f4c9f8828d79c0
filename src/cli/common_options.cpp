#include "common_options.h"

#include <unistd.h>

#include <cstdio>

namespace genai::cli {

void add_verbosity_flags(CLI::App& command, Verbosity& verbosity) {
  command.add_flag("-q,--quiet", verbosity.quiet, "Print only warnings and errors")->configurable(false);
  command.add_flag("-v,--verbose", verbosity.verbose, "Print debug detail")->configurable(false);
}

std::shared_ptr<Log> make_logger(const Verbosity& verbosity, const std::string& log_file) {
  return std::make_shared<Log>(verbosity.quiet ? LogLevel::kWarn : verbosity.verbose ? LogLevel::kDebug : LogLevel::kInfo, log_file);
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string format_duration(double seconds) {
  const long long s = seconds > 0 ? static_cast<long long>(seconds + 0.5) : 0;
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}

}  // namespace genai::cli
