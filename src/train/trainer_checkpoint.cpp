// The Trainer's side of checkpoints: the state save_checkpoint writes and restore reads back (the file format is
// genai/checkpoint.h's). Kept apart from trainer.cpp, which holds the step and the loop: the two change for
// different reasons, and a resume fix should not need reading the step.
#include <ATen/CPUGeneratorImpl.h>

#include <mutex>
#include <string>
#include <vector>

#include "genai/checkpoint.h"
#include "genai/error.h"
#include "genai/train/trainer.h"

namespace genai::train {
namespace {

// Bytes in a generator state of the given device type: CPU (mt19937 + normal cache) or CUDA (seed, offset).
int64_t generator_state_bytes(bool cuda) { return cuda ? 16 : at::detail::createCPUGenerator(0).get_state().numel(); }

AdamState adam_state(const FlatAdam& optimizer) {
  AdamState state;
  state.lr = optimizer.lr();
  state.step_count = optimizer.step_count();
  for (size_t i = 0; i < optimizer.size(); ++i) {
    state.exp_avg.push_back(optimizer.exp_avg(i));
    state.exp_avg_sq.push_back(optimizer.exp_avg_sq(i));
  }
  return state;
}

void restore_adam(FlatAdam& optimizer, const AdamState& state) {
  optimizer.set_lr(state.lr);
  optimizer.restore(state.exp_avg, state.exp_avg_sq, state.step_count);
}

}  // namespace

TrainingState Trainer::training_state() {
  TrainingState state;
  state.gan = gan_;
  state.ema_generator = ema_generator();
  state.optimizer_g = adam_state(*optimizer_g_);
  state.optimizer_d = adam_state(*optimizer_d_);
  return state;
}

void Trainer::save_checkpoint(const std::string& path, const std::string& config_toml) {
  CheckpointMeta meta;
  meta.model = config_.model;
  meta.step = step_;
  meta.epoch = batcher_.epoch();
  meta.batch_in_epoch = batcher_.batch_in_epoch();
  meta.data_seed = batcher_.seed();
  meta.world_size = world_size();
  meta.config_toml = config_toml;
  auto state = training_state();
  {
    std::lock_guard<std::mutex> lock(noise_generator_.mutex());
    state.noise_rng_state = noise_generator_.get_state();
  }
  genai::save_checkpoint(path, meta, state);
}

std::vector<std::string> Trainer::restore(const Checkpoint& checkpoint) {
  std::vector<std::string> warnings;
  auto state = training_state();
  checkpoint.restore(state);
  restore_adam(*optimizer_g_, state.optimizer_g);
  restore_adam(*optimizer_d_, state.optimizer_d);
  if (ema_generator_) {
    torch::NoGradGuard no_grad;
    const auto parameters = ema_generator_->parameters();
    for (size_t i = 0; i < parameters.size(); ++i) optimizer_g_->view_into(ema_flat_, i).copy_(parameters[i]);
  }
  const auto saved_rng = state.noise_rng_state.cpu();
  const int64_t other_device_bytes = generator_state_bytes(/*cuda=*/device_.is_cpu());
  std::lock_guard<std::mutex> lock(noise_generator_.mutex());
  try {
    noise_generator_.set_state(saved_rng);
  } catch (const std::exception&) {
    if (saved_rng.numel() != other_device_bytes)
      throw file_error(checkpoint.path(), "corrupt checkpoint: the noise generator state fits neither a CPU nor a CUDA generator");
    const uint64_t step = static_cast<uint64_t>(checkpoint.meta().step);
    noise_generator_.set_current_seed(config_.seed ^ (0x9E3779B97F4A7C15ULL * (step + 1)));
    warnings.push_back(checkpoint.path() + " was written on " + (device_.is_cpu() ? "CUDA" : "the CPU") + " and training continues on " +
                       device_.str() +
                       ": weights, optimizer and data order resume exactly, the noise stream is re-derived from the seed and "
                       "step (resume is bitwise only on the same device type)");
  }
  step_ = checkpoint.meta().step;
  const auto& meta = checkpoint.meta();
  int64_t epoch = meta.epoch, batch = meta.batch_in_epoch;
  if (meta.world_size != world_size()) {
    // Another global batch: continue at the first global batch of this run that starts at or after the images the
    // saved run had consumed in its epoch. The noise stream (drawn per global batch) takes another course.
    const int64_t images = batch * config_.batch_size * meta.world_size;
    const int64_t global = config_.batch_size * world_size();
    batch = (images + global - 1) / global;
    if (batch >= batcher_.batches_per_epoch()) ++epoch, batch = 0;
    warnings.push_back(checkpoint.path() + " was written by " + std::to_string(meta.world_size) + " process(es) and this run has " +
                       std::to_string(world_size()) + ": the global batch changes from " + std::to_string(config_.batch_size * meta.world_size) +
                       " to " + std::to_string(global) + " images; training continues from step " + std::to_string(step_) +
                       " (resume is exact only with the same number of processes)");
  }
  batcher_.reseed(meta.data_seed, epoch, batch);
  return warnings;
}

}  // namespace genai::train
