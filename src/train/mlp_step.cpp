#include "genai/train/mlp_step.h"

#include <array>
#include <cmath>

#include "genai/error.h"
#include "genai/models/mlp.h"

namespace genai::train {
namespace {

enum class Activation { kNone, kLeakyRelu, kTanh };

const int64_t kRowDim[] = {0};

}  // namespace

struct DenseStack::Layer {
  // Detached aliases of the module's parameters and of their gradients (views into the FlatAdam buffers).
  torch::Tensor weight, bias, weight_grad, bias_grad;
  bool batch_norm = false;
  torch::Tensor gamma, beta, gamma_grad, beta_grad, running_mean, running_var, batches_tracked;
  double eps = 0, momentum = 0;
  Activation activation = Activation::kNone;
  double slope = 0;

  // Buffers [max_rows, width], and the views of the last forward.
  torch::Tensor pre_buffer, out_buffer, act_grad_buffer, input_grad_buffer;
  torch::Tensor save_mean, save_invstd;
  torch::Tensor input, pre, act_input, out;

  // The buffers' views for one row count. A stack sees at most two counts (D: 2B in its step, B in G's),
  // so they are made once instead of four narrow() calls per layer and pass.
  struct Rows {
    int64_t rows = -1;
    torch::Tensor pre, out, act_grad, input_grad;
  };
  std::array<Rows, 2> rows_cache;
  Rows& views(int64_t rows) {
    for (auto& r : rows_cache)
      if (r.rows == rows) return r;
    auto& slot = rows_cache[rows_cache[0].rows < 0 ? 0 : 1];
    slot.rows = rows;
    slot.pre = pre_buffer.narrow(0, 0, rows);
    slot.out = out_buffer.defined() ? out_buffer.narrow(0, 0, rows) : torch::Tensor();
    slot.act_grad = act_grad_buffer.narrow(0, 0, rows);
    slot.input_grad = input_grad_buffer.narrow(0, 0, rows);
    return slot;
  }
};

namespace {

// LeakyReLU and its gradient as single passes, the arithmetic of LibTorch's kernels (x > 0 ? x : x * slope;
// g where x > 0, else g * slope): the same values, without a dispatch and a TensorIterator per call.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void leaky_relu_pass(float* __restrict out, const float* __restrict in, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? in[i] : in[i] * slope;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void leaky_relu_backward_pass(float* __restrict grad_in, const float* __restrict grad_out, const float* __restrict in, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) grad_in[i] = in[i] > 0.0f ? grad_out[i] : grad_out[i] * slope;
}

torch::Tensor grad_alias(const torch::Tensor& parameter) {
  if (!parameter.grad().defined()) throw RuntimeError("internal: MlpStep needs gradients held by FlatAdam");
  return parameter.grad().detach();
}

}  // namespace

DenseStack::DenseStack(const torch::nn::Sequential& body, int64_t max_rows, torch::Device device, const torch::Tensor& output) : max_rows_(max_rows) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  for (const auto& child : *body) {
    const auto& module = child.ptr();
    if (auto* linear = module->as<torch::nn::LinearImpl>()) {
      auto layer = std::make_shared<Layer>();
      layer->weight = linear->weight.detach();
      layer->bias = linear->bias.detach();
      layer->weight_grad = grad_alias(linear->weight);
      layer->bias_grad = grad_alias(linear->bias);
      const int64_t width = linear->weight.size(0);
      layer->pre_buffer = torch::empty({max_rows, width}, options);
      layer->act_grad_buffer = torch::empty({max_rows, width}, options);
      layer->input_grad_buffer = torch::empty({max_rows, linear->weight.size(1)}, options);
      layers_.push_back(layer);
      continue;
    }
    if (layers_.empty()) throw RuntimeError("internal: MlpStep: a stack must start with a Linear layer");
    auto& layer = *layers_.back();
    const int64_t width = layer.weight.size(0);
    if (auto* norm = module->as<torch::nn::BatchNorm1dImpl>()) {
      if (!norm->options.momentum().has_value() || !norm->options.affine() || !norm->options.track_running_stats())
        throw RuntimeError("internal: MlpStep handles affine BatchNorm1d with a fixed momentum only");
      layer.batch_norm = true;
      layer.gamma = norm->weight.detach();
      layer.beta = norm->bias.detach();
      layer.gamma_grad = grad_alias(norm->weight);
      layer.beta_grad = grad_alias(norm->bias);
      layer.running_mean = norm->running_mean;
      layer.running_var = norm->running_var;
      layer.batches_tracked = norm->num_batches_tracked;
      layer.eps = norm->options.eps();
      layer.momentum = *norm->options.momentum();
    } else if (auto* leaky = module->as<torch::nn::LeakyReLUImpl>()) {
      layer.activation = Activation::kLeakyRelu;
      layer.slope = leaky->options.negative_slope();
      layer.out_buffer = torch::empty({max_rows, width}, options);
    } else if (module->as<torch::nn::TanhImpl>()) {
      layer.activation = Activation::kTanh;
      layer.out_buffer = torch::empty({max_rows, width}, options);
    } else {
      throw RuntimeError("internal: MlpStep: unsupported layer " + module->name());
    }
  }
  if (layers_.empty()) throw RuntimeError("internal: MlpStep: empty stack");
  auto& last = *layers_.back();
  if (output.defined()) {
    const int64_t width = last.weight.size(0);
    if (!last.out_buffer.defined() || output.size(0) != max_rows || output.numel() != max_rows * width || !output.is_contiguous())
      throw RuntimeError("internal: MlpStep: the output buffer must be [max_rows, width] and follow an activation");
    last.out_buffer = output.view({max_rows, width});
  }
}

const torch::Tensor& DenseStack::forward(const torch::Tensor& input) {
  rows_ = input.size(0);
  TORCH_CHECK(rows_ <= max_rows_, "DenseStack: ", rows_, " rows > ", max_rows_);
  torch::Tensor x = input;
  for (auto& layer_ptr : layers_) {
    auto& layer = *layer_ptr;
    auto& views = layer.views(rows_);
    layer.input = x;
    layer.pre = views.pre;
    at::addmm_out(layer.pre, layer.bias, x, layer.weight.t());
    layer.act_input = layer.pre;
    if (layer.batch_norm) {
      // native_batch_norm has no CPU out= kernel in LibTorch 1.13: its three small results are allocated.
      std::tie(layer.act_input, layer.save_mean, layer.save_invstd) = at::native_batch_norm(
          layer.pre, layer.gamma, layer.beta, layer.running_mean, layer.running_var, /*training=*/true, layer.momentum, layer.eps);
      layer.batches_tracked.add_(1);  // as BatchNorm1d's forward does in training mode
    }
    switch (layer.activation) {
      case Activation::kNone:
        layer.out = layer.act_input;
        break;
      case Activation::kLeakyRelu:
        layer.out = views.out;
        leaky_relu_pass(layer.out.data_ptr<float>(), layer.act_input.data_ptr<float>(), layer.out.numel(), static_cast<float>(layer.slope));
        break;
      case Activation::kTanh:
        layer.out = views.out;
        at::tanh_out(layer.out, layer.act_input);
        break;
    }
    x = layer.out;
  }
  return layers_.back()->out;
}

torch::Tensor DenseStack::backward(const torch::Tensor& output_gradient, bool parameter_gradients, bool input_gradient) {
  torch::Tensor g = output_gradient;
  for (size_t i = layers_.size(); i-- > 0;) {
    auto& layer = *layers_[i];
    auto& views = layer.views(rows_);
    switch (layer.activation) {
      case Activation::kNone:
        break;
      case Activation::kLeakyRelu: {
        auto& grad = views.act_grad;
        const auto g_in = g.contiguous();
        leaky_relu_backward_pass(grad.data_ptr<float>(), g_in.data_ptr<float>(), layer.act_input.data_ptr<float>(), grad.numel(),
                                 static_cast<float>(layer.slope));
        g = grad;
        break;
      }
      case Activation::kTanh: {
        auto& grad = views.act_grad;
        at::tanh_backward_out(grad, g, layer.out);
        g = grad;
        break;
      }
    }
    if (layer.batch_norm) {
      auto grads = at::native_batch_norm_backward(g, layer.pre, layer.gamma, layer.running_mean, layer.running_var, layer.save_mean,
                                                  layer.save_invstd, /*train=*/true, layer.eps, {true, parameter_gradients, parameter_gradients});
      if (parameter_gradients) {
        layer.gamma_grad.copy_(std::get<1>(grads));
        layer.beta_grad.copy_(std::get<2>(grads));
      }
      g = std::get<0>(grads);
    }
    if (parameter_gradients) {
      at::mm_out(layer.weight_grad, g.t(), layer.input);
      at::sum_out(layer.bias_grad, g, at::IntArrayRef(kRowDim));
    }
    if (i == 0 && !input_gradient) return {};
    auto& input_grad = views.input_grad;
    at::mm_out(input_grad, g, layer.weight);
    g = input_grad;
  }
  return g;
}

bool MlpStep::handles(const ModelConfig& model, torch::Device device) { return model.kind == ModelKind::kMlp && device.is_cpu(); }

namespace {

// The Sequential of an MlpGenerator or MlpDiscriminator.
template <typename Mlp, typename Network>
const torch::nn::Sequential& body_of(const std::shared_ptr<Network>& network) {
  auto* mlp = dynamic_cast<Mlp*>(network.get());
  if (!mlp) throw RuntimeError("internal: MlpStep needs the unconditional mlp model");
  return mlp->body();
}

}  // namespace

namespace {

// Allocated before the stacks, which write into it: G's last layer writes its images straight into D's fake rows.
torch::Tensor discriminator_input(int64_t batch_size, torch::Device device) {
  return torch::empty({2 * batch_size, models::kImagePixels}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
}

// BCE on `rows` logits in one pass: with s = sign * logit, the loss is mean softplus(s) and d loss / d logit =
// sign * sigmoid(s) / batch. Returns the loss sum; adds sigmoid(s) of the first `half` rows and of the rest to
// sigmoid_sums[0] and [1] (sigmoid(-logit) over real rows is 1 - D(x); sigmoid(logit) over fake rows is D(G(z))).
// softplus as LibTorch's (beta 1, threshold 20). One scalar loop over 2B logits costs less than the dozen
// dispatched ops on [2B, 1] tensors it replaces.
double bce_logit_pass(const float* logits, const float* sign, float* gradient, int64_t rows, int64_t half, double inv_batch, double sigmoid_sums[2]) {
  double loss = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const float s = sign[i] * logits[i];
    const float sigmoid = 1.0f / (1.0f + std::exp(-s));
    gradient[i] = static_cast<float>(sign[i] * sigmoid * inv_batch);
    loss += s > 20.0f ? s : std::log1p(std::exp(s));
    sigmoid_sums[i < half ? 0 : 1] += sigmoid;
  }
  return loss;
}

}  // namespace

MlpStep::MlpStep(models::Gan& gan, int64_t batch_size, torch::Device device)
    : batch_size_(batch_size),
      d_input_(discriminator_input(batch_size, device)),
      generator_(body_of<models::MlpGenerator>(gan.generator), batch_size, device, d_input_.narrow(0, batch_size, batch_size)),
      discriminator_(body_of<models::MlpDiscriminator>(gan.discriminator), 2 * batch_size, device) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const int64_t rows = 2 * batch_size;
  sign_ = torch::cat({torch::full({batch_size, 1}, -1.0f, options), torch::full({batch_size, 1}, 1.0f, options)});
  logit_gradient_ = torch::empty({rows, 1}, options);
  metrics_ = torch::empty({4}, options);
  real_input_ = d_input_.narrow(0, 0, batch_size).view({batch_size, 1, models::kImageSide, models::kImageSide});
  fake_input_ = d_input_.narrow(0, batch_size, batch_size);
  g_logit_gradient_ = logit_gradient_.narrow(0, 0, batch_size);
}

const torch::Tensor& MlpStep::run(const torch::Tensor& real, const torch::Tensor& noise, FlatAdam& optimizer_g, FlatAdam& optimizer_d) {
  torch::NoGradGuard no_grad;
  const int64_t b = batch_size_;
  const double inv_b = 1.0 / static_cast<double>(b);
  if (!real.is_same(real_input_)) real_input_.copy_(real);
  generator_.forward(noise);  // into D's fake rows
  float* metrics = metrics_.data_ptr<float>();
  const float* sign = sign_.data_ptr<float>();
  float* gradient = logit_gradient_.data_ptr<float>();

  // D step on [real; fake]: real rows have sign -1, fake rows +1.
  double sigmoid_sums[2] = {0, 0};
  const auto& logits = discriminator_.forward(d_input_);
  const double d_loss = bce_logit_pass(logits.data_ptr<float>(), sign, gradient, 2 * b, b, inv_b, sigmoid_sums);
  metrics[0] = static_cast<float>(d_loss * inv_b);
  metrics[2] = static_cast<float>(1.0 - sigmoid_sums[0] * inv_b);  // mean D(x)
  metrics[3] = static_cast<float>(sigmoid_sums[1] * inv_b);        // mean D(G(z))
  discriminator_.backward(logit_gradient_, /*parameter_gradients=*/true, /*input_gradient=*/false);
  optimizer_d.step();

  // G step through the updated D on the same fake rows, with the real rows' sign -1: loss = mean softplus(-logit).
  double unused[2] = {0, 0};
  const auto& g_logits = discriminator_.forward(fake_input_);
  metrics[1] = static_cast<float>(bce_logit_pass(g_logits.data_ptr<float>(), sign, gradient, b, b, inv_b, unused) * inv_b);
  const auto image_gradient = discriminator_.backward(g_logit_gradient_, /*parameter_gradients=*/false, /*input_gradient=*/true);
  generator_.backward(image_gradient, /*parameter_gradients=*/true, /*input_gradient=*/false);
  optimizer_g.step();
  return metrics_;
}

}  // namespace genai::train
