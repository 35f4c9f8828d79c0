#pragma once
// The adversarial loop. Per step: one G forward whose output serves both the D step (detached) and the
// G step; D minimises its loss (genai/losses.h: BCE(D(x), 1) + BCE(D(G(z)), 0) by default, plus R1 or WGAN-GP's
// penalty when asked), G the non-saturating BCE(D(G(z)), 1) or its objective's counterpart; one Adam
// per network over a flat parameter buffer (FlatAdam), D frozen during the G step. The step never reads a value back to the host: losses and D
// outputs are summed on the device and read once per log interval. I/O happens in the callbacks, outside this class.
#include <torch/torch.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>

#include "genai/checkpoint.h"
#include "genai/config.h"
#include "genai/data/dataset.h"
#include "genai/dist/communicator.h"
#include "genai/error.h"
#include "genai/losses.h"
#include "genai/models/gan.h"
#include "genai/models/latent_code.h"
#include "genai/train/augment.h"
#include "genai/train/flat_adam.h"
#include "genai/train/mlp_step.h"

namespace genai::train {

struct StepMetrics {
  int64_t step = 0;
  int64_t epoch = 0;
  double d_loss = 0;  // means over the steps of the log interval
  double g_loss = 0;
  double d_real = 0;             // mean D(x) (a probability)
  double d_fake = 0;             // mean D(G(z)) before the D step
  double images_per_second = 0;  // real images consumed per second over the interval
  double elapsed_seconds = 0;    // since run() started
};

struct TrainerEvents {
  std::function<void(const StepMetrics&)> on_log;
  std::function<void(int64_t step)> on_samples;
  std::function<void(int64_t step)> on_checkpoint;
  std::function<void(int64_t step)> on_eval;  // every config.eval_every steps and at the last step, when eval_every > 0
  // Polled after every step (host-side only, no device sync): a non-empty reason stops the run after a
  // final checkpoint.
  std::function<std::string()> should_stop;
};

struct RunOutcome {
  bool finished = false;    // reached the total step count
  std::string stop_reason;  // why it stopped early, when it did
};

// NaN or Inf found in the losses or the weights. Thrown by Trainer::run at a log interval or before a
// checkpoint (so no checkpoint ever holds non-finite weights).
struct DivergenceError : RuntimeError {
  DivergenceError(int64_t step_, const std::string& what) : RuntimeError(what), step(step_) {}
  int64_t step;
};

// Total steps the config asks for: steps, else epochs x batches per epoch, else kDefaultSteps.
int64_t total_steps(const TrainConfig& config, int64_t batches_per_epoch);

// --lr-decay-start's multiplier of both learning rates for the step that follows `done` of `total`: 1 until
// decay_start x total steps are done, then (total - done) / (the decay's steps), so the last step takes 1/(the
// decay's steps) of the rates (pix2pix's linear policy). A pure function of the step: a resumed run continues it.
double learning_rate_factor(double decay_start, int64_t done, int64_t total);

class Trainer {
 public:
  // Seeds the model initialisation and the noise stream from config.seed.
  //
  // With a communicator (data-parallel training, one Trainer per process): the leader's initial weights and
  // buffers are broadcast; each rank takes its disjoint share of every global batch of batch_size x ranks
  // images and the matching rows of the global noise batch (every rank draws the whole one from the same
  // stream), so the ranks together compute what one process with the global batch would; each network's flat
  // gradient is averaged over the ranks with ONE all-reduce per step, which also carries the ranks' stop
  // votes (run() stops all of them after the same step). BatchNorm keeps per-rank batch statistics (as
  // PyTorch's DDP without SyncBatchNorm); its running buffers are broadcast from the leader before every
  // sample grid, eval and checkpoint, so what is saved or shown is the leader's. Non-leader ranks run the
  // same schedule of collectives whether or not their events are set.
  Trainer(const TrainConfig& config, data::ImageDataset dataset, torch::Device device, dist::Communicator* communicator = nullptr);

  // One iteration: discriminator_step on a real batch and a fresh fake batch, then generator_step on
  // the same fake batch. The unconditional MLP on the CPU runs the same iteration as MlpStep (hand-written
  // gradients, no autograd graph) unless use_hand_written_step(false); with lazy R1, on the steps without it.
  void step();
  // For tests and `genai bench --autograd-step`: switch the MLP between MlpStep and the autograd iteration.
  void use_hand_written_step(bool enabled) { hand_written_step_ = enabled; }
  bool runs_hand_written_step() const { return mlp_step_ && hand_written_step_; }
  // Lazy R1 (StyleGAN2) applies on every r1_every-th step, decided by the step count alone: a resumed run applies it
  // on the same steps.
  bool r1_due() const { return config_.r1_gamma > 0 && step_ % config_.r1_every == 0; }
  // Steps until step_ reaches total_steps, which also sets the length of --lr-decay-start's schedule (step() alone,
  // before any run(), keeps the constant rates).
  RunOutcome run(int64_t total_steps, const TrainerEvents& events);
  // run() with CUDA's sync-debug mode at error around every step after the first log interval (the first steps
  // initialise cuDNN and cuBLAS): a step that makes the host wait for the GPU throws.
  void trap_host_syncs(bool on) { trap_host_syncs_ = on; }

  // G(fixed_noise) in eval mode: the same noise batch for every sample grid of the run.
  torch::Tensor fixed_samples();

  // Writes the full training state with `config_toml` (defined, with restore, in src/train/trainer_checkpoint.cpp).
  void save_checkpoint(const std::string& path, const std::string& config_toml);
  // Loads the checkpoint's training state. Returns warnings for the log: a checkpoint written on the other
  // device type (CPU <-> CUDA) continues with a noise stream re-derived from (seed, step), because the two
  // generators' states do not translate; resume is bitwise only on the same device type.
  std::vector<std::string> restore(const Checkpoint& checkpoint);

  // --clusters: the number of training images in each k-means cluster ([K] int64, CPU) and the seconds k-means took;
  // an undefined tensor without clusters.
  const torch::Tensor& cluster_sizes() const { return cluster_sizes_; }
  double clustering_seconds() const { return clustering_seconds_; }

  // True when every parameter and buffer of G and D is finite (one device sync).
  bool weights_finite();
  // Multiplies the learning rate of both optimizers (used by --on-nan rollback).
  void scale_learning_rates(double factor);
  double learning_rate_g() const;
  // Every Adam moment of G then D, in parameter order: exp_avg, exp_avg_sq and the step count (as a
  // tensor) per parameter. For bitwise resume checks.
  std::vector<torch::Tensor> optimizer_moments() const;
  double learning_rate_d() const;

  // The two halves of step(), public for tests. Each returns its loss (on the device, no sync).
  // `labels` condition conditional models (the real batch's labels serve both halves).
  // `fake_labels` condition the fake batch when they differ from the real batch's (the mode-seeking pairs);
  // `noise` is the fake batch's noise, for the mode-seeking term.
  torch::Tensor discriminator_step(const torch::Tensor& real, const torch::Tensor& fake, const torch::Tensor& labels = {},
                                   const torch::Tensor& fake_labels = {});
  torch::Tensor generator_step(const torch::Tensor& fake, const torch::Tensor& labels = {}, const torch::Tensor& noise = {});

  // The EMA generator (config.ema_decay > 0; else nullptr), brought up to date: its weights are the
  // moving average, its BatchNorm buffers copied from G.
  std::shared_ptr<models::Generator> ema_generator();

  int64_t steps_done() const { return step_; }
  int world_size() const { return communicator_ ? communicator_->size() : 1; }
  int64_t epoch() const { return batcher_.epoch(); }
  int64_t batches_per_epoch() const { return batcher_.batches_per_epoch(); }
  models::Gan& gan() { return gan_; }
  torch::Device device() const { return device_; }

 private:
  // Reads the device-side sums (one sync) and resets them.
  StepMetrics take_interval_means();
  // Data-parallel: the local reason (sticky) goes into the next step's D all-reduce; returns a reason when the
  // ranks' votes summed in the last step say stop, read on the CPU after every step, on CUDA at log steps.
  std::string agreed_stop(const std::string& local_reason);
  void broadcast_buffers();  // the leader's BatchNorm buffers to every rank, once per step at most
  // `images` as D is shown them: augmented with the step's draws of `slot` when --augment is on.
  torch::Tensor seen_by_discriminator(const torch::Tensor& images, int64_t slot);
  // Gives the step's fake batch its conditions and returns its classes (undefined for an unconditional model);
  // called once per step, after the noise is drawn and before G's forward. It writes into preallocated buffers:
  // with --mode-seeking (noise rows i and i + half compare as a pair) and a code that G reads from z (--info-codes,
  // --clusters), the second half's code column of noise_ becomes the first half's; fake_labels_ holds the classes
  // when they are not the real batch's (--clusters: the clusters G draws from the noise rows; --mode-seeking: the
  // real batch's, the second half copied from the first). Otherwise it returns real_labels_. Its views of the
  // buffers are small heap objects, part of tests/train/step_allocations_test.cpp's count.
  const torch::Tensor& condition_fake_batch();
  torch::Tensor last_real_logits_, last_fake_logits_;
  // --info-codes: D with its code head Q (else nullptr), and the codes of the step's fake batch.
  std::shared_ptr<models::CodeDiscriminator> code_discriminator_;
  torch::Tensor fake_codes_;            // preallocated [B] int64
  torch::Tensor info_code_thresholds_;  // the code's bins on z's scale (models::code_thresholds), made once
  // --clusters: G, which draws its cluster from z (else nullptr).
  std::shared_ptr<models::LatentCodeGenerator> cluster_generator_;
  torch::Tensor cluster_sizes_;
  double clustering_seconds_ = 0;
  TrainingState training_state();

  TrainConfig config_;
  dist::Communicator* communicator_ = nullptr;
  std::string stop_vote_;     // this rank's reason to stop, once it has one
  torch::Tensor stop_votes_;  // D's extra gradient slot: the ranks' votes, summed by its all-reduce
  int64_t buffers_broadcast_at_ = -1;
  Loss loss_;
  AugmentPolicy augment_;
  torch::Device device_;
  data::ImageDataset dataset_;
  data::ShuffledBatcher batcher_;
  models::Gan gan_;
  std::unique_ptr<FlatAdam> optimizer_g_;
  std::unique_ptr<FlatAdam> optimizer_d_;
  std::unique_ptr<MlpStep> mlp_step_;  // set when MlpStep::handles the model and device
  bool hand_written_step_ = true;
  at::Generator noise_generator_;
  torch::Tensor fixed_noise_;
  torch::Tensor global_noise_;  // preallocated [B x ranks, z_dim]: every rank draws all of it
  torch::Tensor noise_;         // this rank's rows of it, [B, z_dim]
  torch::Tensor real_batch_;    // preallocated [B, C, S, S] float32
  torch::Tensor real_bytes_;    // preallocated [B, C, S, S] uint8: the batch as the dataset holds it
  // Augmentation and WGAN-GP's interpolation draw per step, from the noise stream, [B x ranks, kStepDraws]
  // uniforms (undefined when neither is on, so other runs' noise streams are unchanged); draws_: this rank's rows.
  torch::Tensor global_draws_, draws_;
  std::array<torch::Tensor, 3> augment_draws_;  // draws_'s columns for each DrawSlot
  AugmentGrid augment_grid_;                    // --augment: the pixel indices, made once
  torch::Tensor real_labels_;                   // preallocated [B] (conditional models; undefined otherwise)
  torch::Tensor fake_labels_;                   // preallocated [B]: the fake batch's classes with --mode-seeking
  torch::Tensor fixed_labels_;                  // the sample grid's classes (conditional models)
  // EMA of G's weights in the layout of G's flat parameter buffer: one lerp_ per step, no host sync.
  torch::Tensor ema_flat_;
  std::shared_ptr<models::Generator> ema_generator_;
  torch::Tensor interval_readout_;               // [5] on the device: the interval sums, then (at a log step) whether the weights are finite
  torch::Tensor interval_sums_;                  // [4] view of it: d_loss, g_loss, D(x), D(G(z))
  std::array<torch::Tensor, 4> interval_slots_;  // its four entries as views, for the step's adds
  bool interval_weights_finite_ = true;
  int64_t interval_steps_ = 0;
  int64_t step_ = 0;
  int64_t schedule_steps_ = 0;  // run()'s total: the length of the learning-rate schedule
  bool trap_host_syncs_ = false;
  std::chrono::steady_clock::time_point run_start_, interval_start_;
};

}  // namespace genai::train
