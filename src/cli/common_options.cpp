#include "common_options.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>

#include <cstdio>

namespace genai::cli {

void add_verbosity_flags(CLI::App& command, Verbosity& verbosity) {
  command.add_flag("-q,--quiet", verbosity.quiet, "Print only warnings and errors")->configurable(false);
  command.add_flag("-v,--verbose", verbosity.verbose, "Print debug detail")->configurable(false);
}

std::shared_ptr<spdlog::logger> make_logger(const Verbosity& verbosity, const std::string& log_file) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();  // no colour codes when not a terminal
  console->set_level(verbosity.quiet ? spdlog::level::warn : verbosity.verbose ? spdlog::level::debug : spdlog::level::info);
  console->set_pattern(stderr_is_terminal() ? "%^%v%$" : "[%Y-%m-%d %H:%M:%S] %l: %v");
  std::vector<spdlog::sink_ptr> sinks{console};
  if (!log_file.empty()) {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file);
    file->set_level(spdlog::level::debug);
    file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %l: %v");
    sinks.push_back(file);
  }
  auto logger = std::make_shared<spdlog::logger>("genai", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::info);
  return logger;
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string format_duration(double seconds) {
  const long long s = seconds > 0 ? static_cast<long long>(seconds + 0.5) : 0;
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}

}  // namespace genai::cli
