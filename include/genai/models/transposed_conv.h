#pragma once
// A transposed 2-D convolution (no bias, dilation 1, no output padding) computed as the input gradient
// of the matching ordinary convolution, on the CPU.
//
// Why: LibTorch 1.13 runs transposed convolutions on the CPU through slow_conv_transpose2d (im2col and
// one GEMM per image), while ordinary convolutions and their gradients run on oneDNN. Measured for
// DCGAN's 128 -> 64 layer at batch 64 on 2 cores: 41.6 ms forward + backward on the slow path, 14.2 ms as
// oneDNN's data gradient (forward), convolution (input gradient) and weight gradient. It is the same
// linear map (a transposed convolution is the adjoint of a convolution; cuDNN computes it this way), so
// parameters, initialisation and checkpoints are those of torch::nn::ConvTranspose2d. Other devices use
// torch::conv_transpose2d.
//
// Transposed convolutions to ONE channel (DCGAN's last G layer; the input gradient of D's first convolution)
// are one matrix product and a scatter of k x k patches instead: oneDNN's kernel for that shape is 9x slower.
#include <torch/torch.h>

namespace genai::models {

// `x` in `format`, with explicit strides even where they are ambiguous: a one-channel NCHW tensor already counts
// as channels-last-contiguous, so contiguous(ChannelsLast) keeps its NCHW strides, a convolution then runs and
// answers in NCHW, and the next layer's elementwise backward mixes layouts (a slow strided path, ~30x).
torch::Tensor in_memory_format(const torch::Tensor& x, at::MemoryFormat format);

// input [B, C_in, H, W], weight [C_in, C_out, k, k] (ConvTranspose2d's layout) -> [B, C_out, H', W'] with
// H' = (H - 1) * stride - 2 * padding + k.
torch::Tensor conv_transpose2d(const torch::Tensor& input, const torch::Tensor& weight, int64_t stride, int64_t padding);

// torch::conv2d (dilation 1, one group) of a one-channel input [B, 1, H, W]; on the CPU its input gradient
// takes the one-channel path above (except when the backward itself is differentiated). Other inputs: torch::conv2d.
torch::Tensor conv2d_from_one_channel(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias, int64_t stride,
                                      int64_t padding);

}  // namespace genai::models
