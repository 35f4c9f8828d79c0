#include "genai/models/transposed_conv.h"

#include <ATen/Parallel.h>

namespace genai::models {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// True where the one-channel path below serves: float maps on the CPU.
bool one_channel_path(const torch::Tensor& maps, const torch::Tensor& weight) {
  return maps.is_cpu() && maps.scalar_type() == torch::kFloat32 && weight.scalar_type() == torch::kFloat32 && weight.size(1) == 1;
}

// The transposed convolution of maps [B, C, H, W] with weight [C, 1, k, k] to ONE channel [B, 1, out_h, out_w]:
// one matrix product [B*H*W, C] x [C, k*k] gives every input pixel's k x k patch, then each patch is added into
// the output where it lands. oneDNN's kernel for this shape (a convolution's input gradient to one channel)
// took 2.7 ms at batch 64, C 64 on 2 cores (LibTorch 1.13; 1.7 ms on 2.x), this about 0.3 ms. Not differentiable
// itself: callers use it where no graph is recorded.
torch::Tensor scatter_to_one_channel(const torch::Tensor& maps, const torch::Tensor& weight, int64_t stride, int64_t padding, int64_t out_h,
                                     int64_t out_w) {
  const int64_t batch = maps.size(0), channels = maps.size(1), height = maps.size(2), width = maps.size(3), k = weight.size(2);
  const auto pixels = maps.permute({0, 2, 3, 1}).contiguous().view({batch * height * width, channels});  // a view of channels-last maps
  const auto patches = torch::mm(pixels, weight.reshape({channels, k * k}));
  auto out = torch::zeros({batch, 1, out_h, out_w}, maps.options());
  const float* patch_data = patches.data_ptr<float>();
  float* out_data = out.data_ptr<float>();
  at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      float* image = out_data + b * out_h * out_w;
      for (int64_t iy = 0; iy < height; ++iy)
        for (int64_t ix = 0; ix < width; ++ix) {
          const float* patch = patch_data + ((b * height + iy) * width + ix) * k * k;
          for (int64_t ky = 0; ky < k; ++ky) {
            const int64_t oy = iy * stride - padding + ky;
            if (oy < 0 || oy >= out_h) continue;
            for (int64_t kx = 0; kx < k; ++kx) {
              const int64_t ox = ix * stride - padding + kx;
              if (ox >= 0 && ox < out_w) image[oy * out_w + ox] += patch[ky * k + kx];
            }
          }
        }
    }
  });
  return out;
}

// Conv2d from a one-channel input whose input gradient takes the path above. When a graph of the backward is
// recorded (R1 and WGAN-GP differentiate D's input gradient), LibTorch's differentiable convolution_backward
// serves instead.
struct OneChannelInputConvolution : torch::autograd::Function<OneChannelInputConvolution> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                               int64_t stride, int64_t padding) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["bias"] = bias.defined();
    const int64_t s[] = {stride, stride}, p[] = {padding, padding}, d[] = {1, 1}, none[] = {0, 0};
    return at::convolution(input, weight, bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt, s, p, d, false, none, 1);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const int64_t stride = ctx->saved_data["stride"].toInt(), padding = ctx->saved_data["padding"].toInt();
    const bool has_bias = ctx->saved_data["bias"].toBool();
    const int64_t s[] = {stride, stride}, p[] = {padding, padding}, d[] = {1, 1}, none[] = {0, 0};
    const auto& grad = grad_outputs[0];
    const bool fast_input_grad = ctx->needs_input_grad(0) && !torch::GradMode::is_enabled() && one_channel_path(grad, weight);
    const std::array<bool, 3> mask{ctx->needs_input_grad(0) && !fast_input_grad, ctx->needs_input_grad(1), has_bias && ctx->needs_input_grad(2)};
    torch::Tensor grad_input, grad_weight, grad_bias;
    if (mask[0] || mask[1] || mask[2]) {
      const int64_t bias_size[] = {weight.size(0)};  // outlives the call: an IntArrayRef only points at it
      const c10::optional<at::IntArrayRef> bias_sizes = has_bias ? c10::optional<at::IntArrayRef>(at::IntArrayRef(bias_size)) : c10::nullopt;
      std::tie(grad_input, grad_weight, grad_bias) = at::convolution_backward(grad, input, weight, bias_sizes, s, p, d, false, none, 1, mask);
    }
    if (fast_input_grad) grad_input = scatter_to_one_channel(grad, weight, stride, padding, input.size(2), input.size(3));
    return {grad_input, grad_weight, grad_bias, torch::Tensor(), torch::Tensor()};
  }
};

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
    if (one_channel_path(input, weight)) return scatter_to_one_channel(input, weight, stride, padding, height, width);
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
    const auto grad = in_memory_format(grad_outputs[0], input.suggest_memory_format());
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

torch::Tensor in_memory_format(const torch::Tensor& x, at::MemoryFormat format) {
  if (format == at::MemoryFormat::ChannelsLast && x.size(1) == 1 && x.stride(1) != 1)
    return torch::empty_like(x, at::MemoryFormat::ChannelsLast).copy_(x);
  return x.contiguous(format);
}

torch::Tensor conv2d_from_one_channel(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias, int64_t stride,
                                      int64_t padding) {
  if (!input.is_cpu() || input.size(1) != 1) return torch::conv2d(input, weight, bias, stride, padding);
  return OneChannelInputConvolution::apply(input, weight, bias, stride, padding);
}

torch::Tensor conv_transpose2d(const torch::Tensor& input, const torch::Tensor& weight, int64_t stride, int64_t padding) {
  if (!input.is_cpu()) return torch::conv_transpose2d(input, weight, {}, stride, padding);
  return TransposedConvolution::apply(input, weight, stride, padding);
}

}  // namespace genai::models
