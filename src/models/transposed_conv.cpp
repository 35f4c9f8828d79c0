#include "genai/models/transposed_conv.h"

namespace genai::models {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// The ordinary convolution whose input gradient is our forward: weight [C_in, C_out, k, k] read as a
// Conv2d weight [out = C_in, in = C_out, k, k], mapping [B, C_out, H', W'] -> [B, C_in, H, W].
struct TransposedConvolution : torch::autograd::Function<TransposedConvolution> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input, const torch::Tensor& weight, int64_t stride, int64_t padding) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    const int64_t k = weight.size(2);
    const int64_t height = (input.size(2) - 1) * stride - 2 * padding + k, width = (input.size(3) - 1) * stride - 2 * padding + k;
    // Only its shape is read: a convolution's input gradient does not depend on the input's values.
    const auto output_shape =
        torch::empty({input.size(0), weight.size(1), height, width}, input.options().memory_format(input.suggest_memory_format()));
    const int64_t s[] = {stride, stride}, p[] = {padding, padding}, d[] = {1, 1}, none[] = {0, 0};
    return std::get<0>(at::convolution_backward(input.contiguous(input.suggest_memory_format()), output_shape, weight, c10::nullopt, s, p, d,
                                                /*transposed=*/false, none,
                                                /*groups=*/1, {true, false, false}));
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const int64_t stride = ctx->saved_data["stride"].toInt(), padding = ctx->saved_data["padding"].toInt();
    const int64_t s[] = {stride, stride}, p[] = {padding, padding}, d[] = {1, 1}, none[] = {0, 0};
    const auto grad = grad_outputs[0].contiguous(input.suggest_memory_format());
    torch::Tensor grad_input, grad_weight;
    if (ctx->needs_input_grad(0)) grad_input = at::convolution(grad, weight, c10::nullopt, s, p, d, /*transposed=*/false, none, 1);
    if (ctx->needs_input_grad(1))
      grad_weight = std::get<1>(at::convolution_backward(input.contiguous(input.suggest_memory_format()), grad, weight, c10::nullopt, s, p, d,
                                                         /*transposed=*/false, none,
                                                         /*groups=*/1, {false, true, false}));
    return {grad_input, grad_weight, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor conv_transpose2d(const torch::Tensor& input, const torch::Tensor& weight, int64_t stride, int64_t padding) {
  if (!input.is_cpu()) return torch::conv_transpose2d(input, weight, {}, stride, padding);
  return TransposedConvolution::apply(input, weight, stride, padding);
}

}  // namespace genai::models
