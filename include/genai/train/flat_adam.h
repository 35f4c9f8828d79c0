#pragma once
// Adam (Kingma & Ba 2015, the update of torch::optim::Adam without weight decay or AMSGrad) over ONE flat
// buffer per network. The constructor moves every parameter's storage into a contiguous tensor and points
// each parameter's gradient at a view of a second one, so autograd accumulates straight into the flat
// gradient, zeroing is one fill, and a step is 7 tensor operations for the whole network instead of
// about 10 per parameter (the per-tensor passes were ~45 % of a small step, ../shared/docs/anchors.md).
#include <torch/torch.h>

#include <vector>

#include "genai/config.h"

namespace genai::train {

class FlatAdam {
 public:
  FlatAdam(const std::vector<torch::Tensor>& parameters, const AdamConfig& config, double eps = 1e-8);

  void zero_grad();  // fills the flat gradient with zeros (gradients must stay defined: they are views)
  void step();

  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
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
  torch::Tensor flat_parameters_, flat_gradients_, exp_avg_, exp_avg_sq_, denominator_;
  double lr_, beta1_, beta2_, eps_;
  int64_t step_count_ = 0;
};

}  // namespace genai::train
