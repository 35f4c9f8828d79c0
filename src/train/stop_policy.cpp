#include "genai/train/stop_policy.h"

#include <algorithm>

#include "genai/util/format.h"

namespace genai::train {

StopPolicy::StopPolicy(const TrainConfig& config, Clock::time_point start, std::function<std::string()> external)
    : start_(start), last_poll_(Clock::now()), external_(std::move(external)) {
  if (!config.max_time.empty()) limit_seconds_ = parse_duration_seconds(config.max_time, "max-time");
}

void StopPolicy::record_checkpoint_seconds(double seconds) { slowest_checkpoint_ = std::max(slowest_checkpoint_, seconds); }

std::string StopPolicy::poll() {
  const auto now = Clock::now();
  slowest_step_ = std::max(slowest_step_, std::chrono::duration<double>(now - last_poll_).count());
  last_poll_ = now;
  if (external_) {
    if (std::string reason = external_(); !reason.empty()) return reason;
  }
  if (limit_seconds_ > 0) {
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed + 2 * (slowest_step_ + slowest_checkpoint_) + 1.0 >= limit_seconds_)
      return "--max-time " + util::format_duration(limit_seconds_) + " is nearly used up";
  }
  return "";
}

}  // namespace genai::train
