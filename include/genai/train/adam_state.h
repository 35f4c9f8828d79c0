#pragma once
// Reading and writing LibTorch's per-parameter Adam state (exp_avg, exp_avg_sq, step). LibTorch keys
// that state by the parameter's TensorImpl: as a string in 1.x and as a pointer in 2.x; the key type is
// deduced from the map, so the same source builds against both.
#include <torch/torch.h>

#include <type_traits>

namespace genai::train {

namespace detail {
template <typename StateMap>
typename StateMap::key_type adam_key(const StateMap&, const torch::Tensor& parameter) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) return c10::guts::to_string(parameter.unsafeGetTensorImpl());
  else return parameter.unsafeGetTensorImpl();
}
}  // namespace detail

// The state of one parameter, or nullptr before its first step.
inline const torch::optim::AdamParamState* find_adam_state(const torch::optim::Adam& optimizer, const torch::Tensor& parameter) {
  const auto& state = optimizer.state();
  const auto it = state.find(detail::adam_key(state, parameter));
  return it == state.end() ? nullptr : static_cast<const torch::optim::AdamParamState*>(it->second.get());
}

inline void set_adam_state(torch::optim::Adam& optimizer, const torch::Tensor& parameter, torch::Tensor exp_avg, torch::Tensor exp_avg_sq,
                           int64_t step) {
  auto state = std::make_unique<torch::optim::AdamParamState>();
  state->exp_avg(std::move(exp_avg));
  state->exp_avg_sq(std::move(exp_avg_sq));
  state->step(step);
  auto& map = optimizer.state();
  map[detail::adam_key(map, parameter)] = std::move(state);
}

}  // namespace genai::train
