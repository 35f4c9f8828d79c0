#pragma once
// What every subcommand shares: verbosity flags, the loggers, terminal detection.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "log.h"

namespace genai::cli {

struct Verbosity {
  bool quiet = false;    // warnings and errors only
  bool verbose = false;  // debug detail
};

void add_verbosity_flags(CLI::App& command, Verbosity& verbosity);

// A logger writing to stderr (colour only on a terminal) and, when `log_file` is not empty, to that file.
std::shared_ptr<Log> make_logger(const Verbosity& verbosity, const std::string& log_file = "");

bool stderr_is_terminal();

}  // namespace genai::cli
