#include "genai/train/flat_adam.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "genai/util/simd.h"

namespace genai::train {
namespace {

// The whole Adam update in one pass over the four flat buffers (the tensor-op form below makes seven
// passes, each streaming the network's state through the cache again). Same arithmetic, in float, as
// torch::optim::Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps).
GENAI_CPU_CLONES
void adam_pass(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, int64_t begin, int64_t end, float beta1,
               float beta2, float step_size, float sqrt_bc2, float eps) {
  const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i];
    const float mi = m[i] * beta1 + one_minus_beta1 * gi;
    const float vi = v[i] * beta2 + one_minus_beta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= step_size * mi / (std::sqrt(vi) / sqrt_bc2 + eps);
  }
}

}  // namespace

FlatAdam::FlatAdam(const std::vector<torch::Tensor>& parameters, const AdamConfig& config, double eps, int64_t extra_slots)
    : parameters_(parameters), lr_(config.lr), beta1_(config.beta1), beta2_(config.beta2), eps_(eps) {
  TORCH_CHECK(!parameters_.empty(), "FlatAdam needs parameters");
  int64_t total = 0;
  for (const auto& p : parameters_) offsets_.push_back(total), total += p.numel();
  const auto options = parameters_.front().options().requires_grad(false);
  flat_parameters_ = torch::empty({total}, options);
  flat_gradients_ = torch::zeros({total + extra_slots}, options);
  parameter_gradients_ = flat_gradients_.narrow(0, 0, total);
  parameter_count_ = total;
  exp_avg_ = torch::zeros({total}, options);
  exp_avg_sq_ = torch::zeros({total}, options);
  const bool tensor_op_path = !flat_parameters_.is_cpu() || flat_parameters_.scalar_type() != torch::kFloat32;
#if GENAI_HAS_FUSED_ADAM
  if (tensor_op_path) fused_step_ = torch::zeros({}, options.dtype(torch::kFloat32));
#else
  if (tensor_op_path) denominator_ = torch::empty({total}, options);
#endif
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    auto& p = parameters_[i];
    auto storage = view_of(flat_parameters_, i);
    storage.copy_(p);
    p.set_data(storage);                                  // the module's parameter now lives in the flat buffer
    p.mutable_grad() = view_of(parameter_gradients_, i);  // and autograd accumulates into the flat gradient
  }
}

torch::Tensor FlatAdam::view_of(const torch::Tensor& flat, size_t i) const {
  return flat.narrow(0, offsets_[i], parameters_[i].numel()).view(parameters_[i].sizes());
}

void FlatAdam::zero_grad() { parameter_gradients_.zero_(); }

void FlatAdam::step() {
  torch::NoGradGuard no_grad;
  if (reduction_) reduction_(flat_gradients_);
  ++step_count_;
  const double bias_correction1 = 1 - std::pow(beta1_, static_cast<double>(step_count_));
  const double bias_correction2 = 1 - std::pow(beta2_, static_cast<double>(step_count_));
  const double lr = lr_ * lr_scale_;
  if (flat_parameters_.is_cpu() && flat_parameters_.scalar_type() == torch::kFloat32) {
    float* p = flat_parameters_.data_ptr<float>();
    const float* g = parameter_gradients_.data_ptr<float>();
    float* m = exp_avg_.data_ptr<float>();
    float* v = exp_avg_sq_.data_ptr<float>();
    const auto step_size = static_cast<float>(lr / bias_correction1);
    const auto sqrt_bc2 = static_cast<float>(std::sqrt(bias_correction2));
    at::parallel_for(0, flat_parameters_.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
      adam_pass(p, g, m, v, begin, end, static_cast<float>(beta1_), static_cast<float>(beta2_), step_size, sqrt_bc2, static_cast<float>(eps_));
    });
    return;
  }
#if GENAI_HAS_FUSED_ADAM
  // Other devices (CUDA) and dtypes: LibTorch's fused Adam kernel, the one torch.optim.Adam(fused=True)
  // runs, over the flat buffers: one kernel per step instead of seven, the same update. It reads the step
  // count from a device tensor: a fill, not a host-device sync.
  fused_step_.fill_(static_cast<double>(step_count_));
  at::_fused_adam_({flat_parameters_}, {parameter_gradients_}, {exp_avg_}, {exp_avg_sq_}, {}, {fused_step_}, lr, beta1_, beta2_,
                   /*weight_decay=*/0.0, eps_, /*amsgrad=*/false, /*maximize=*/false);
#else
  // Other devices: seven tensor operations over the flat buffers (one kernel each on CUDA).
  exp_avg_.mul_(beta1_).add_(parameter_gradients_, 1 - beta1_);
  exp_avg_sq_.mul_(beta2_).addcmul_(parameter_gradients_, parameter_gradients_, 1 - beta2_);
  torch::sqrt_out(denominator_, exp_avg_sq_);
  denominator_.div_(std::sqrt(bias_correction2)).add_(eps_);
  flat_parameters_.addcdiv_(exp_avg_, denominator_, -lr / bias_correction1);
#endif
}

void FlatAdam::restore(const std::vector<torch::Tensor>& exp_avgs, const std::vector<torch::Tensor>& exp_avg_sqs, int64_t step_count) {
  TORCH_CHECK(exp_avgs.size() == parameters_.size() && exp_avg_sqs.size() == parameters_.size(), "FlatAdam::restore: wrong count");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    exp_avg(i).copy_(exp_avgs[i]);
    exp_avg_sq(i).copy_(exp_avg_sqs[i]);
  }
  step_count_ = step_count;
}

}  // namespace genai::train
