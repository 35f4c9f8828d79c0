#include "log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace genai::cli {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

struct Log::Sinks {
  std::shared_ptr<spdlog::sinks::sink> console, file;
  std::shared_ptr<spdlog::logger> logger;
};

Log::Log(LogLevel console_level, const std::string& file) : sinks_(std::make_unique<Sinks>()) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();  // no colour codes when not a terminal
  console->set_level(to_spdlog(console_level));
  console->set_pattern(::isatty(STDERR_FILENO) == 1 ? "%^%v%$" : "[%Y-%m-%d %H:%M:%S] %l: %v");
  sinks_->console = console;
  std::vector<spdlog::sink_ptr> sinks{console};
  if (!file.empty()) {
    auto file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file);
    file_sink->set_level(spdlog::level::debug);
    file_sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %l: %v");
    sinks_->file = file_sink;
    sinks.push_back(file_sink);
  }
  sinks_->logger = std::make_shared<spdlog::logger>("genai", sinks.begin(), sinks.end());
  sinks_->logger->set_level(spdlog::level::debug);
  sinks_->logger->flush_on(spdlog::level::info);
}

Log::~Log() = default;

void Log::write(LogLevel level, const std::string& line) { sinks_->logger->log(to_spdlog(level), line); }

bool Log::console_shows(LogLevel level) const { return sinks_->console->level() <= to_spdlog(level); }

void Log::write_to_file_only(LogLevel level, const std::string& line) {
  if (!sinks_->file) return;
  sinks_->file->log(spdlog::details::log_msg("genai", to_spdlog(level), line));
  if (level >= LogLevel::kInfo) sinks_->file->flush();
}

}  // namespace genai::cli
