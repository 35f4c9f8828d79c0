#include "genai/train/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "genai/data/clusters.h"
#include "genai/losses.h"
#include "genai/models/gan.h"
#include "genai/models/latent_code.h"
#include "genai/util/cuda_sync_debug.h"
#include "genai/util/seeded_init.h"

namespace genai::train {
namespace {

constexpr uint64_t kFixedNoiseSeedOffset = 0x5A3D1E;  // keeps the fixed grid noise apart from the training stream

// The columns of a step's uniform draws: one augmentation for each of D's three inputs (the real and the fake
// batch in D's step, the fake batch in G's), then WGAN-GP's interpolation weight.
enum DrawSlot : int64_t { kRealInD = 0, kFakeInD = 1, kFakeInG = 2 };
constexpr int64_t kInterpolationColumn = 3 * kAugmentDraws;
constexpr int64_t kStepDraws = kInterpolationColumn + 1;

// MlpStep's hand-written gradients are those of BCE with a plain D and no augmentation. Lazy R1 is no obstacle: the
// steps that apply it (one in r1_every) take the autograd iteration, the others MlpStep's, on the same weights.
bool hand_written_objective(const TrainConfig& config) {
  return config.loss == Loss::kBce && config.augment == Augment::kNone && !config.model.spectral_norm && config.model.minibatch_stddev == 0 &&
         config.model.info_codes == 0 && config.model.clusters == 0 && config.mode_seeking == 0;
}

at::Generator make_noise_generator(torch::Device device, uint64_t seed) {
  if (device.is_cpu()) return at::detail::createCPUGenerator(seed);
    // CUDA: a generator of the trainer's own, so that two trainers in one process (tests, a quick eval's
    // sampling) do not share one stream. LibTorch 1.13 cannot create one without the CUDA headers; there the
    // device's default generator serves (one trainer per process). Either way its state goes into checkpoints.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 6)
  auto generator = at::detail::getCUDAHooks().getNewGenerator(device.index());
#else
  auto generator = at::globalContext().defaultGenerator(device);
#endif
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_current_seed(seed);
  return generator;
}

// G's then D's buffers (BatchNorm statistics).
std::vector<torch::Tensor> buffers_of(const models::Gan& gan) {
  auto all = gan.generator->buffers();
  for (const auto& b : gan.discriminator->buffers()) all.push_back(b);
  return all;
}

void set_requires_grad(torch::nn::Module& module, bool requires_grad) {
  for (auto& p : module.parameters()) p.requires_grad_(requires_grad);
}

}  // namespace

int64_t total_steps(const TrainConfig& config, int64_t batches_per_epoch) {
  if (config.steps > 0) return config.steps;
  if (config.epochs > 0) return config.epochs * batches_per_epoch;
  return kDefaultSteps;
}

double learning_rate_factor(double decay_start, int64_t done, int64_t total) {
  const auto constant_steps = static_cast<int64_t>(std::floor(decay_start * static_cast<double>(total)));
  if (done < constant_steps || constant_steps >= total) return 1.0;
  return static_cast<double>(std::max<int64_t>(total - done, 1)) / static_cast<double>(total - constant_steps);
}

Trainer::Trainer(const TrainConfig& config, data::ImageDataset dataset, torch::Device device, dist::Communicator* communicator)
    : config_(config),
      communicator_(communicator),
      loss_(config.loss),
      augment_(augment_policy(config.augment)),
      device_(device),
      dataset_(std::move(dataset)),
      batcher_(dataset_.size(), config.batch_size, config.seed, device, communicator ? communicator->rank() : 0,
               communicator ? communicator->size() : 1),
      noise_generator_(make_noise_generator(device, config.seed)) {
  if (dataset_.shape() != image_shape(config.model))
    throw RuntimeError("the data's images are " + dataset_.shape().describe() + " but the model's are " + image_shape(config.model).describe());
  {
    const util::SeededInit seeded(config.seed);  // the initial weights follow the seed
    gan_ = models::make_gan(config.model);
  }
  gan_.generator->to(device);
  gan_.discriminator->to(device);
  code_discriminator_ = std::dynamic_pointer_cast<models::CodeDiscriminator>(gan_.discriminator);
  if (config.model.clusters > 0) {
    // Self-conditioned: the class D sees with a real image is its k-means cluster (the data's labels are not used),
    // and G draws its clusters at their frequencies in the data, as a conditional G draws the real batch's classes.
    const auto start = std::chrono::steady_clock::now();
    dataset_.labels = data::kmeans_labels(dataset_.float_images(), config.model.clusters, config.seed);
    clustering_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cluster_sizes_ = torch::bincount(dataset_.labels, {}, config.model.clusters).cpu();
    cluster_generator_ = std::dynamic_pointer_cast<models::LatentCodeGenerator>(gan_.generator);
    cluster_generator_->set_code_frequencies(cluster_sizes_);
  }
  optimizer_g_ = std::make_unique<FlatAdam>(gan_.generator->parameters(), config.adam_g);
  // D's flat gradient has one extra slot when data-parallel: this rank's stop vote, summed by the same all-reduce.
  optimizer_d_ = std::make_unique<FlatAdam>(gan_.discriminator->parameters(), config.adam_d, 1e-8, communicator ? 1 : 0);
  if (communicator_) {
    auto state = buffers_of(gan_);
    state.push_back(optimizer_g_->flat_parameters());
    state.push_back(optimizer_d_->flat_parameters());
    // The leader's clusters: machines whose BLAS rounds differently could split a tie between two centroids apart.
    if (cluster_generator_) state.push_back(dataset_.labels);
    communicator_->broadcast_from_leader(state, "the broadcast of the initial weights");
    const double ranks = communicator_->size();
    stop_votes_ = optimizer_d_->extra_slots();
    optimizer_g_->set_gradient_reduction([this, ranks](torch::Tensor& gradient) {
      communicator_->all_reduce_sum(gradient, "the all-reduce of G's gradients", step_ + 1);
      gradient.div_(ranks);
    });
    optimizer_d_->set_gradient_reduction([this, ranks](torch::Tensor& gradient) {
      stop_votes_.fill_(stop_vote_.empty() ? 0.0 : 1.0);  // a fill from the host: no sync
      communicator_->all_reduce_sum(gradient, "the all-reduce of D's gradients", step_ + 1);
      gradient.div_(ranks);
    });
  }
  if (MlpStep::handles(config.model, device) && hand_written_objective(config))
    mlp_step_ = std::make_unique<MlpStep>(gan_, config.batch_size, device, image_shape(config.model));

  if (config.ema_decay > 0) {
    ema_flat_ = optimizer_g_->flat_parameters().detach().clone();
    {
      const util::SeededInit seeded(config.seed);  // its initial weights are replaced by ema_flat_: only the caller's stream matters
      ema_generator_ = models::make_generator(config.model);
    }
    ema_generator_->to(device);
    ema_generator_->eval();
    for (auto& p : ema_generator_->parameters()) p.requires_grad_(false);
  }

  auto fixed_generator = at::detail::createCPUGenerator(config.seed + kFixedNoiseSeedOffset);
  fixed_noise_ = torch::randn({config.sample_grid, config.model.z_dim}, fixed_generator, torch::kFloat32).to(device);
  const auto on_device = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const int64_t ranks = communicator ? communicator->size() : 1, rank = communicator ? communicator->rank() : 0;
  global_noise_ = torch::empty({config.batch_size * ranks, config.model.z_dim}, on_device);
  noise_ = global_noise_.narrow(0, rank * config.batch_size, config.batch_size);
  const ImageShape shape = image_shape(config.model);
  real_batch_ = torch::empty({config.batch_size, shape.channels, shape.size, shape.size}, on_device);
  real_bytes_ = torch::empty({config.batch_size, shape.channels, shape.size, shape.size}, on_device.dtype(torch::kUInt8));
  if (augment_.any() || uses_gradient_penalty(loss_)) {
    global_draws_ = torch::zeros({config.batch_size * ranks, kStepDraws}, on_device);
    draws_ = global_draws_.narrow(0, rank * config.batch_size, config.batch_size);
    for (int64_t slot = 0; slot < 3; ++slot) augment_draws_[slot] = draws_.narrow(1, slot * kAugmentDraws, kAugmentDraws);
    if (augment_.any()) augment_grid_ = AugmentGrid(shape.size, shape.size, device);
  }
  interval_readout_ = torch::zeros({5}, on_device);
  interval_sums_ = interval_readout_.narrow(0, 0, 4);
  for (int64_t i = 0; i < 4; ++i) interval_slots_[i] = interval_readout_.select(0, i);
  if (is_conditional(config.model.kind) || cluster_generator_) {
    real_labels_ = torch::empty({config.batch_size}, torch::TensorOptions().dtype(torch::kInt64).device(device));
    fake_labels_ = torch::empty_like(real_labels_);
  }
  if (code_discriminator_) {
    fake_codes_ = torch::empty({config.batch_size}, torch::TensorOptions().dtype(torch::kInt64).device(device));
    info_code_thresholds_ = models::code_thresholds(config.model.info_codes, device);
  }
  if (is_conditional(config.model.kind)) fixed_labels_ = torch::arange(config.sample_grid, torch::kInt64).remainder(config.model.classes).to(device);
}

torch::Tensor Trainer::discriminator_step(const torch::Tensor& real, const torch::Tensor& fake, const torch::Tensor& labels,
                                          const torch::Tensor& fake_labels_in) {
  const auto& fake_labels = fake_labels_in.defined() ? fake_labels_in : labels;
  auto& D = *gan_.discriminator;
  // Lazy R1 (StyleGAN2): on r1_due() steps, the penalty times r1_every, so its average weight is gamma.
  const bool r1_now = r1_due();
  const auto real_input = r1_now ? real.detach().requires_grad_(true) : real;
  const auto real_seen = seen_by_discriminator(real_input, kRealInD), fake_seen = seen_by_discriminator(fake.detach(), kFakeInD);
  last_real_logits_ = D.forward(real_seen, labels);
  torch::Tensor code_loss;
  if (code_discriminator_) {
    torch::Tensor code_logits;
    std::tie(last_fake_logits_, code_logits) = code_discriminator_->forward_with_codes(fake_seen);
    code_loss = torch::cross_entropy_loss(code_logits, fake_codes_);
  } else {
    last_fake_logits_ = D.forward(fake_seen, fake_labels);
  }
  const auto loss = discriminator_loss(last_real_logits_, last_fake_logits_, loss_);
  auto total = loss;
  if (code_loss.defined()) total = total + config_.info_weight * code_loss;  // Q learns to read the code back
  // R1 differentiates through the augmentation, with respect to the real images themselves (as StyleGAN2-ADA).
  if (r1_now) total = total + static_cast<double>(config_.r1_every) * r1_penalty(last_real_logits_, real_input, config_.r1_gamma);
  if (uses_gradient_penalty(loss_)) {
    // Images on random points of the lines between the real and the fake images D saw (one weight per pair).
    const auto weight = draws_.narrow(0, 0, real.size(0)).select(1, kInterpolationColumn).view({-1, 1, 1, 1});
    const auto between = (real_seen.detach() * weight + fake_seen.detach() * (1 - weight)).requires_grad_(true);
    total = total + gradient_penalty(D.forward(between, labels), between, config_.gp_weight);
  }
  optimizer_d_->zero_grad();
  total.backward();
  optimizer_d_->step();
  return loss;  // the adversarial loss alone: the metrics stay comparable between penalised and plain steps
}

const torch::Tensor& Trainer::condition_fake_batch() {
  const bool pairs = config_.mode_seeking > 0 && noise_.size(0) >= 2;
  // The mode-seeking term compares row i with row i + half: give both the same class (the first half's) or code.
  const int64_t half = noise_.size(0) / 2;
  if (pairs && (code_discriminator_ || cluster_generator_)) {
    const int64_t last = noise_.size(1) - 1;
    noise_.narrow(0, half, half).select(1, last).copy_(noise_.narrow(0, 0, half).select(1, last));
  }
  if (cluster_generator_) {
    cluster_generator_->code_of_out(fake_labels_, noise_);  // D is told each fake's cluster, the one G drew from z
    return fake_labels_;
  }
  if (!pairs || !real_labels_.defined()) return real_labels_;
  fake_labels_.copy_(real_labels_);
  fake_labels_.narrow(0, half, half).copy_(real_labels_.narrow(0, 0, half));
  return fake_labels_;
}

torch::Tensor Trainer::seen_by_discriminator(const torch::Tensor& images, int64_t slot) {
  if (!augment_.any()) return images;
  TORCH_CHECK(images.size(0) <= draws_.size(0), "augmentation draws for ", draws_.size(0), " images, got ", images.size(0));
  const auto& draws = augment_draws_[slot];
  return augment(images, images.size(0) == draws.size(0) ? draws : draws.narrow(0, 0, images.size(0)), augment_, augment_grid_);
}

torch::Tensor Trainer::generator_step(const torch::Tensor& fake, const torch::Tensor& labels, const torch::Tensor& noise) {
  // D's weight gradients are not needed here: freezing D skips their matrix products in the backward.
  set_requires_grad(*gan_.discriminator, false);
  const auto fake_seen = seen_by_discriminator(fake, kFakeInG);
  // The adversarial loss plus named terms: the code's cross-entropy (G makes its code readable, as Q learns to in D's
  // step) and the mode-seeking term.
  torch::Tensor adversarial, total;
  if (code_discriminator_) {
    auto [logits, code_logits] = code_discriminator_->forward_with_codes(fake_seen);
    adversarial = generator_loss(logits, loss_);
    const auto code_loss = torch::cross_entropy_loss(code_logits, fake_codes_);
    total = adversarial + config_.info_weight * code_loss;
  } else {
    adversarial = total = generator_loss(gan_.discriminator->forward(fake_seen, labels), loss_);
  }
  set_requires_grad(*gan_.discriminator, true);
  if (config_.mode_seeking > 0 && noise.defined()) total = total + config_.mode_seeking * mode_seeking_penalty(fake, noise);
  optimizer_g_->zero_grad();
  total.backward();
  optimizer_g_->step();
  return adversarial;  // as D's step: the adversarial loss alone, comparable between runs with and without the other terms
}

void Trainer::step() {
  const auto index = batcher_.next();
  const bool hand_written = runs_hand_written_step() && !r1_due();
  if (schedule_steps_ > 0 && config_.lr_decay_start < 1) {  // host-side arithmetic: no sync
    const double factor = learning_rate_factor(config_.lr_decay_start, step_, schedule_steps_);
    optimizer_g_->set_lr_scale(factor);
    optimizer_d_->set_lr_scale(factor);
  }
  // The hand-written step's real batch is selected straight into its D input.
  auto real_target = hand_written ? mlp_step_->real_input() : real_batch_;
  // The set is held as bytes; only the batch becomes float.
  torch::index_select_out(real_bytes_, dataset_.images, 0, index);
  data::to_unit_range_out(real_target, real_bytes_);
  // Conditional models: G draws the real batch's classes, so fakes follow the data's class frequencies.
  if (real_labels_.defined()) torch::index_select_out(real_labels_, dataset_.labels, 0, index);
  global_noise_.normal_(0.0, 1.0, noise_generator_);
  if (global_draws_.defined()) global_draws_.uniform_(0.0, 1.0, noise_generator_);
  if (hand_written) {
    interval_sums_.add_(mlp_step_->run(mlp_step_->real_input(), noise_, *optimizer_g_, *optimizer_d_));
  } else {
    const auto& fake_labels = condition_fake_batch();
    if (code_discriminator_) models::latent_code_out(fake_codes_, noise_, info_code_thresholds_);
    const auto fake = gan_.generator->forward(noise_, fake_labels);
    const auto d_loss = discriminator_step(real_batch_, fake, real_labels_, fake_labels);
    const auto g_loss = generator_step(fake, fake_labels, noise_);  // through the updated D, reusing the same fake batch
    torch::NoGradGuard no_grad;  // into the preallocated sums, each its own add: a stack would allocate the [4] and its parts
    interval_slots_[0].add_(d_loss);
    interval_slots_[1].add_(g_loss);
    interval_slots_[2].add_(torch::sigmoid(last_real_logits_).mean());
    interval_slots_[3].add_(torch::sigmoid(last_fake_logits_).mean());
  }
  if (ema_flat_.defined()) {
    // ema = d * ema + (1 - d) * w, with the decay warmed up as min(d, (1 + t) / (10 + t)) for update t (as
    // TensorFlow's ExponentialMovingAverage with num_updates): otherwise a 0.999 average would still hold
    // e^-1 of the random initial weights after 1000 steps. t is a host-side count: no sync.
    const double t = static_cast<double>(step_);
    const double decay = std::min(config_.ema_decay, (1.0 + t) / (10.0 + t));
    torch::NoGradGuard no_grad;
    ema_flat_.lerp_(optimizer_g_->flat_parameters(), 1.0 - decay);
  }
  ++interval_steps_;
  ++step_;
}

StepMetrics Trainer::take_interval_means() {
  const auto now = std::chrono::steady_clock::now();
  // Whether both networks' weights are finite rides in the same copy to the host: one sync per interval (the flat
  // parameter buffers hold every weight; a non-finite BatchNorm statistic shows in the losses).
  interval_readout_.narrow(0, 4, 1).copy_(
      torch::isfinite(optimizer_g_->flat_parameters()).all().logical_and(torch::isfinite(optimizer_d_->flat_parameters()).all()).view({1}));
  const auto sums = interval_readout_.to(torch::kCPU, torch::kFloat64);  // the one host sync per interval
  interval_readout_.zero_();
  const double n = std::max<int64_t>(interval_steps_, 1);
  const double* s = sums.data_ptr<double>();
  StepMetrics m;
  m.step = step_;
  m.epoch = batcher_.epoch();
  m.d_loss = s[0] / n;
  m.g_loss = s[1] / n;
  m.d_real = s[2] / n;
  m.d_fake = s[3] / n;
  interval_weights_finite_ = s[4] != 0;
  const double seconds = std::chrono::duration<double>(now - interval_start_).count();
  m.images_per_second = seconds > 0 ? static_cast<double>(interval_steps_ * config_.batch_size * world_size()) / seconds : 0;
  m.elapsed_seconds = std::chrono::duration<double>(now - run_start_).count();
  interval_steps_ = 0;
  interval_start_ = now;
  return m;
}

RunOutcome Trainer::run(int64_t total, const TrainerEvents& events) {
  run_start_ = interval_start_ = std::chrono::steady_clock::now();
  schedule_steps_ = total;
  interval_sums_.zero_();
  interval_steps_ = 0;
  auto due = [&](int64_t every) { return every > 0 && step_ % every == 0; };
  auto checkpoint = [&] {
    broadcast_buffers();
    if (!weights_finite()) throw DivergenceError(step_, "non-finite weights at step " + std::to_string(step_));
    if (events.on_checkpoint) events.on_checkpoint(step_);
  };
  RunOutcome outcome;
  while (step_ < total) {
    if (trap_host_syncs_ && step_ >= config_.log_every) {
      struct SyncErrors {
        SyncErrors() { util::set_cuda_sync_errors(true); }
        ~SyncErrors() { util::set_cuda_sync_errors(false); }
      } trapped;
      step();
    } else {
      step();
    }
    const bool last = step_ == total;
    const bool logged = due(config_.log_every) || last;
    if (logged) {
      const auto metrics = take_interval_means();
      if (!std::isfinite(metrics.d_loss) || !std::isfinite(metrics.g_loss))
        throw DivergenceError(step_, "non-finite loss by step " + std::to_string(step_) + " (d_loss " + std::to_string(metrics.d_loss) + ", g_loss " +
                                         std::to_string(metrics.g_loss) + ")");
      if (!interval_weights_finite_) throw DivergenceError(step_, "non-finite weights by step " + std::to_string(step_));
      if (events.on_log) events.on_log(metrics);
    }
    // The collectives below run on every rank on the same steps, whether or not this rank has the event.
    if (due(config_.sample_every) || last) {
      broadcast_buffers();
      if (events.on_samples) events.on_samples(step_);
    }
    if (config_.eval_every > 0 && (due(config_.eval_every) || last)) {
      broadcast_buffers();
      // Never score (or hand a caller) non-finite weights: divergence is reported as such, with rollback.
      if (!logged && !weights_finite()) throw DivergenceError(step_, "non-finite weights by step " + std::to_string(step_));
      if (events.on_eval) events.on_eval(step_);
    }
    const bool checkpointed = due(config_.checkpoint_every) || last;
    if (checkpointed) checkpoint();
    if (!last && events.should_stop) {
      outcome.stop_reason = events.should_stop();
      if (communicator_) outcome.stop_reason = agreed_stop(outcome.stop_reason);
      if (!outcome.stop_reason.empty()) {
        if (interval_steps_ > 0 && events.on_log) events.on_log(take_interval_means());
        if (!checkpointed) checkpoint();
        return outcome;
      }
    }
  }
  outcome.finished = true;
  return outcome;
}

std::string Trainer::agreed_stop(const std::string& local_reason) {
  if (stop_vote_.empty()) stop_vote_ = local_reason;  // voted in every following step's D all-reduce
  // The votes of the step just done (cast after the previous one) are the same sum on every rank. Reading them is
  // free on the CPU; on CUDA it is a sync, so only at the log steps (which sync anyway): a stop waits for one.
  if (!device_.is_cpu() && !(config_.log_every > 0 && step_ % config_.log_every == 0)) return "";
  if (stop_votes_.item<double>() <= 0) return "";
  return stop_vote_.empty() ? "another rank stopped" : stop_vote_;
}

void Trainer::broadcast_buffers() {
  if (!communicator_ || buffers_broadcast_at_ == step_) return;
  buffers_broadcast_at_ = step_;
  const auto all = buffers_of(gan_);
  if (!all.empty()) communicator_->broadcast_from_leader(all, "the broadcast of the networks' buffers at step " + std::to_string(step_));
}

bool Trainer::weights_finite() {
  std::vector<torch::Tensor> flags;
  for (torch::nn::Module* net : {static_cast<torch::nn::Module*>(gan_.generator.get()), static_cast<torch::nn::Module*>(gan_.discriminator.get())}) {
    for (const auto& p : net->parameters()) flags.push_back(torch::isfinite(p).all());
    for (const auto& b : net->buffers())
      if (b.is_floating_point()) flags.push_back(torch::isfinite(b).all());
  }
  return torch::stack(flags).all().item<bool>();
}

void Trainer::scale_learning_rates(double factor) {
  optimizer_g_->set_lr(optimizer_g_->lr() * factor);
  optimizer_d_->set_lr(optimizer_d_->lr() * factor);
}

double Trainer::learning_rate_g() const { return optimizer_g_->lr(); }
double Trainer::learning_rate_d() const { return optimizer_d_->lr(); }

std::vector<torch::Tensor> Trainer::optimizer_moments() const {
  std::vector<torch::Tensor> moments;
  for (const auto* optimizer : {optimizer_g_.get(), optimizer_d_.get()})
    for (size_t i = 0; i < optimizer->size(); ++i) {
      moments.push_back(optimizer->exp_avg(i));
      moments.push_back(optimizer->exp_avg_sq(i));
      moments.push_back(torch::full({1}, optimizer->step_count(), torch::kInt64));
    }
  return moments;
}

torch::Tensor Trainer::fixed_samples() {
  torch::NoGradGuard no_grad;
  auto& G = *gan_.generator;
  G.eval();
  auto images = G.forward(fixed_noise_, fixed_labels_);
  G.train();
  return images;
}

std::shared_ptr<models::Generator> Trainer::ema_generator() {
  if (!ema_generator_) return nullptr;
  torch::NoGradGuard no_grad;
  auto parameters = ema_generator_->parameters();
  for (size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(optimizer_g_->view_into(ema_flat_, i));
  auto ema_buffers = ema_generator_->buffers();
  const auto g_buffers = gan_.generator->buffers();
  for (size_t i = 0; i < ema_buffers.size(); ++i) ema_buffers[i].copy_(g_buffers[i]);
  return ema_generator_;
}

}  // namespace genai::train
