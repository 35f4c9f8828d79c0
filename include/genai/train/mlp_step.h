#pragma once
// The MLP GAN's training iteration with hand-derived gradients, for the CPU.
//
// Same arithmetic as the autograd iteration of Trainer (one G forward, D step on real + detached fake,
// G step through the updated D, FlatAdam for both), but without building an autograd graph: every
// activation and gradient lives in a buffer allocated once, gradients are written straight into the
// optimizers' flat gradient buffers (no zeroing), D sees real and fake as ONE batch of 2B rows (D has no
// BatchNorm, so rows are independent and one GEMM replaces two), and no gradient nobody reads is computed
// (D's weight gradients in the G step, the input gradient of each network's first layer). On 2 cores this
// removed most of the fixed cost of a small step (docs/speed.md). BatchNorm uses LibTorch's own
// native_batch_norm kernels, so batch statistics and running averages match the module path.
// What is left besides the GEMMs is kept to single passes: the real batch is selected and G's images are
// written straight into D's input rows, the buffers' row views are made once, LeakyReLU (forward and
// backward) and the BCE loss with its gradient and metrics are one loop each instead of a dispatched op each.
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "genai/models/gan.h"
#include "genai/train/flat_adam.h"

namespace genai::train {

// A chain of Linear [+ BatchNorm1d] [+ LeakyReLU | Tanh] layers taken from a Sequential, with buffers
// for up to max_rows rows.
class DenseStack {
 public:
  // `output`, when given, is where the last layer writes ([max_rows, width], contiguous): a caller's buffer.
  DenseStack(const torch::nn::Sequential& body, int64_t max_rows, torch::Device device, const torch::Tensor& output = {});

  // Forward over the first rows() rows of `input` ([rows, in], contiguous); returns the output view.
  const torch::Tensor& forward(const torch::Tensor& input);
  // Backward from d(loss)/d(output) of the last forward. Writes parameter gradients (overwriting them)
  // when `parameter_gradients`; returns d(loss)/d(input) when `input_gradient`, else an undefined tensor.
  torch::Tensor backward(const torch::Tensor& output_gradient, bool parameter_gradients, bool input_gradient);

 private:
  struct Layer;
  std::vector<std::shared_ptr<Layer>> layers_;
  int64_t max_rows_;
  int64_t rows_ = 0;
};

class MlpStep {
 public:
  // True for the models this step handles: the unconditional mlp on the CPU.
  static bool handles(const ModelConfig& model, torch::Device device);

  MlpStep(models::Gan& gan, int64_t batch_size, torch::Device device, const ImageShape& shape = kMnistShape);

  // One iteration on a real batch [B, C, S, S] and noise [B, z_dim]; steps both optimizers. Returns
  // [4] on the device: D loss, G loss, mean D(x) and mean D(G(z)) in the D step (overwritten next call).
  // `real` may be real_input() itself (then nothing is copied).
  const torch::Tensor& run(const torch::Tensor& real, const torch::Tensor& noise, FlatAdam& optimizer_g, FlatAdam& optimizer_d);

  // [B, C, S, S]: D's real rows. A caller that selects the batch straight into it saves a copy per step.
  const torch::Tensor& real_input() const { return real_input_; }

 private:
  int64_t batch_size_;
  torch::Tensor d_input_;  // [2B, C x S x S]: real rows then fake rows (G's last layer writes the fake rows)
  DenseStack generator_, discriminator_;
  torch::Tensor real_input_;        // d_input_'s real rows as images
  torch::Tensor fake_input_;        // d_input_'s fake rows
  torch::Tensor sign_;              // [2B, 1]: -1 for real rows, +1 for fake rows (loss = softplus(sign * logit))
  torch::Tensor logit_gradient_;    // [2B, 1]
  torch::Tensor g_logit_gradient_;  // its first B rows, for G's step
  torch::Tensor metrics_;           // [4]
};

}  // namespace genai::train
