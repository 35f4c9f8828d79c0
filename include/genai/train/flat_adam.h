#pragma once
// Adam (Kingma & Ba 2015, the update of torch::optim::Adam without weight decay or AMSGrad) over ONE flat
// buffer per network. The constructor moves every parameter's storage into a contiguous tensor and points
// each parameter's gradient at a view of a second one, so autograd accumulates straight into the flat
// gradient, zeroing is one fill, and a step is one pass for the whole network instead of about 10 tensor
// operations per parameter (the per-tensor passes were ~45 % of a small step, docs/speed.md):
// a vectorized loop on the CPU in float32; elsewhere (CUDA, other dtypes) LibTorch's fused Adam kernel
// from 2.4 on, seven tensor operations before.
#include <torch/torch.h>
#include <torch/version.h>

#include <functional>
#include <vector>

#include "genai/config.h"

// LibTorch 2.4 added the fused Adam kernel for the CPU (CUDA had it since 2.0); one condition for both.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define GENAI_HAS_FUSED_ADAM 1
#else
#define GENAI_HAS_FUSED_ADAM 0
#endif

namespace genai::train {

class FlatAdam {
 public:
  // `extra_slots` lengthens the flat gradient by that many values after the parameters' (zero_grad leaves
  // them alone, the update ignores them): data-parallel training sends a flag along with the gradients.
  FlatAdam(const std::vector<torch::Tensor>& parameters, const AdamConfig& config, double eps = 1e-8, int64_t extra_slots = 0);

  void zero_grad();  // fills the parameters' gradients with zeros (they must stay defined: they are views)
  // Calls the gradient reduction (if any) on the whole flat gradient, extra slots included, then updates.
  void step();

  // Data-parallel training: e.g. all-reduce and average the flat gradient before every update.
  void set_gradient_reduction(std::function<void(torch::Tensor& flat_gradient)> reduction) { reduction_ = std::move(reduction); }
  torch::Tensor extra_slots() const { return flat_gradients_.narrow(0, parameter_count_, flat_gradients_.numel() - parameter_count_); }

  // The base rate (what checkpoints keep and --on-nan rollback halves) and the schedule's multiplier of it for the
  // next steps (--lr-decay-start); an update uses lr() * lr_scale().
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  double lr_scale() const { return lr_scale_; }
  void set_lr_scale(double scale) { lr_scale_ = scale; }
  int64_t step_count() const { return step_count_; }

  // Per-parameter views of the state, in parameter order (for checkpoints and tests).
  size_t size() const { return parameters_.size(); }
  const torch::Tensor& parameter(size_t i) const { return parameters_[i]; }
  torch::Tensor exp_avg(size_t i) const { return view_of(exp_avg_, i); }
  torch::Tensor exp_avg_sq(size_t i) const { return view_of(exp_avg_sq_, i); }
  // All parameters in one flat tensor (each parameter is a view into it), and the view of parameter i
  // inside any tensor of the same layout (for the EMA generator).
  const torch::Tensor& flat_parameters() const { return flat_parameters_; }
  torch::Tensor view_into(const torch::Tensor& flat, size_t i) const { return view_of(flat, i); }
  // Restores the moments of every parameter and the step count.
  void restore(const std::vector<torch::Tensor>& exp_avgs, const std::vector<torch::Tensor>& exp_avg_sqs, int64_t step_count);

 private:
  torch::Tensor view_of(const torch::Tensor& flat, size_t i) const;

  std::vector<torch::Tensor> parameters_;
  std::vector<int64_t> offsets_;
  torch::Tensor flat_parameters_, flat_gradients_, exp_avg_, exp_avg_sq_;
  torch::Tensor parameter_gradients_;  // flat_gradients_ without the extra slots
  int64_t parameter_count_ = 0;
  std::function<void(torch::Tensor&)> reduction_;
  torch::Tensor denominator_;  // the tensor-op path's scratch, without the fused kernel
  torch::Tensor fused_step_;   // the fused kernel's step count, on the device
  double lr_, beta1_, beta2_, eps_;
  double lr_scale_ = 1;
  int64_t step_count_ = 0;
};

}  // namespace genai::train
