#include "genai/train/flat_adam.h"

#include <cmath>

namespace genai::train {

FlatAdam::FlatAdam(const std::vector<torch::Tensor>& parameters, const AdamConfig& config, double eps)
    : parameters_(parameters), lr_(config.lr), beta1_(config.beta1), beta2_(config.beta2), eps_(eps) {
  TORCH_CHECK(!parameters_.empty(), "FlatAdam needs parameters");
  int64_t total = 0;
  for (const auto& p : parameters_) offsets_.push_back(total), total += p.numel();
  const auto options = parameters_.front().options().requires_grad(false);
  flat_parameters_ = torch::empty({total}, options);
  flat_gradients_ = torch::zeros({total}, options);
  exp_avg_ = torch::zeros({total}, options);
  exp_avg_sq_ = torch::zeros({total}, options);
  denominator_ = torch::empty({total}, options);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    auto& p = parameters_[i];
    auto storage = view_of(flat_parameters_, i);
    storage.copy_(p);
    p.set_data(storage);                            // the module's parameter now lives in the flat buffer
    p.mutable_grad() = view_of(flat_gradients_, i);  // and autograd accumulates into the flat gradient
  }
}

torch::Tensor FlatAdam::view_of(const torch::Tensor& flat, size_t i) const {
  return flat.narrow(0, offsets_[i], parameters_[i].numel()).view(parameters_[i].sizes());
}

void FlatAdam::zero_grad() { flat_gradients_.zero_(); }

void FlatAdam::step() {
  torch::NoGradGuard no_grad;
  ++step_count_;
  const double bias_correction1 = 1 - std::pow(beta1_, static_cast<double>(step_count_));
  const double bias_correction2 = 1 - std::pow(beta2_, static_cast<double>(step_count_));
  exp_avg_.mul_(beta1_).add_(flat_gradients_, 1 - beta1_);
  exp_avg_sq_.mul_(beta2_).addcmul_(flat_gradients_, flat_gradients_, 1 - beta2_);
  torch::sqrt_out(denominator_, exp_avg_sq_);
  denominator_.div_(std::sqrt(bias_correction2)).add_(eps_);
  flat_parameters_.addcdiv_(exp_avg_, denominator_, -lr_ / bias_correction1);
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
