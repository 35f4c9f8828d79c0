#pragma once
// When a training run should stop early: something outside asked (a stop signal, which the command turns into a
// reason), or too little time is left before --max-time for another step plus a checkpoint write (both
// measured, with a factor of 2).
#include <chrono>
#include <functional>
#include <string>

#include "genai/config.h"

namespace genai::train {

class StopPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  // `start` is when the command began: --max-time counts data loading and set-up too. `external` (may be
  // empty) returns a non-empty reason when something outside the run asks it to stop.
  StopPolicy(const TrainConfig& config, Clock::time_point start, std::function<std::string()> external);
  void record_checkpoint_seconds(double seconds);
  // Called after every step: a non-empty reason to stop now, or "".
  std::string poll();

 private:
  Clock::time_point start_, last_poll_;
  std::function<std::string()> external_;
  double limit_seconds_ = 0;
  double slowest_step_ = 0;
  double slowest_checkpoint_ = 1.0;  // a first guess until one is measured
};

}  // namespace genai::train
