#include "common_options.h"

#include <unistd.h>

namespace genai::cli {

void add_verbosity_flags(CLI::App& command, Verbosity& verbosity) {
  command.add_flag("-q,--quiet", verbosity.quiet, "Print only warnings and errors")->configurable(false);
  command.add_flag("-v,--verbose", verbosity.verbose, "Print debug detail")->configurable(false);
}

std::shared_ptr<Log> make_logger(const Verbosity& verbosity, const std::string& log_file) {
  return std::make_shared<Log>(verbosity.quiet ? LogLevel::kWarn : verbosity.verbose ? LogLevel::kDebug : LogLevel::kInfo, log_file);
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace genai::cli
