#pragma once
// When a training run should stop early: a stop signal arrived (stop_signals.h), or too little time is
// left before --max-time for another step plus a checkpoint write (both measured, with a factor of 2).
#include <chrono>
#include <string>

#include "genai/config.h"

namespace genai::cli {

class StopPolicy {
 public:
  // `start` is when the command began: --max-time counts data loading and set-up too.
  StopPolicy(const TrainConfig& config, std::chrono::steady_clock::time_point start);
  void record_checkpoint_seconds(double seconds);
  // Called after every step: a non-empty reason to stop now, or "".
  std::string poll();

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_, last_poll_;
  double limit_seconds_ = 0;
  double slowest_step_ = 0;
  double slowest_checkpoint_ = 1.0;  // a first guess until one is measured
};

}  // namespace genai::cli
