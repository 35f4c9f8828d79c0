#include "genai/train/mlp_step.h"

#include <array>
#include <cmath>
#include <vector>

#include "genai/error.h"
#include "genai/models/mlp.h"
#include "genai/util/simd.h"

namespace genai::train {
// Outside the anonymous namespace: DenseStack::Layer (declared in the header) holds one.
enum class DenseActivation { kNone, kLeakyRelu, kTanh };

namespace {

// The parameters, statistics and scratch of one BatchNorm1d pass (see batch_norm_forward).
struct NormArgs {
  const float *gamma, *beta;
  float *running_mean, *running_var, *save_mean, *save_invstd;
  double momentum, eps;
  double* sums;  // [2 * width] scratch
};

}  // namespace

struct DenseStack::Layer {
  // Detached aliases of the module's parameters and of their gradients (views into the FlatAdam buffers).
  torch::Tensor weight, bias, weight_grad, bias_grad;
  bool batch_norm = false;
  torch::Tensor gamma, beta, gamma_grad, beta_grad, running_mean, running_var, batches_tracked;
  double eps = 0, momentum = 0;
  DenseActivation activation = DenseActivation::kNone;
  double slope = 0;

  // Buffers [max_rows, width], and the views of the last forward.
  torch::Tensor pre_buffer, out_buffer, act_grad_buffer, input_grad_buffer, norm_out_buffer, norm_grad_buffer;
  torch::Tensor save_mean, save_invstd;  // [width], the batch statistics of the last forward
  std::vector<double> norm_sums;         // [2 * width] scratch of the BatchNorm passes
  torch::Tensor input, pre, act_input, out;

  // The buffers' views for one row count. A stack sees at most two counts (D: 2B in its step, B in G's),
  // so they are made once instead of four narrow() calls per layer and pass.
  struct Rows {
    int64_t rows = -1;
    torch::Tensor pre, out, act_grad, input_grad, norm_out, norm_grad;
  };
  std::array<Rows, 2> rows_cache;

  NormArgs norm_args() {
    return {gamma.data_ptr<float>(),
            beta.data_ptr<float>(),
            running_mean.data_ptr<float>(),
            running_var.data_ptr<float>(),
            save_mean.data_ptr<float>(),
            save_invstd.data_ptr<float>(),
            momentum,
            eps,
            norm_sums.data()};
  }
  Rows& views(int64_t rows) {
    for (auto& r : rows_cache)
      if (r.rows == rows) return r;
    auto& slot = rows_cache[rows_cache[0].rows < 0 ? 0 : 1];
    slot.rows = rows;
    slot.pre = pre_buffer.narrow(0, 0, rows);
    slot.out = out_buffer.defined() ? out_buffer.narrow(0, 0, rows) : torch::Tensor();
    slot.act_grad = act_grad_buffer.narrow(0, 0, rows);
    slot.input_grad = input_grad_buffer.narrow(0, 0, rows);
    slot.norm_out = norm_out_buffer.defined() ? norm_out_buffer.narrow(0, 0, rows) : torch::Tensor();
    slot.norm_grad = norm_grad_buffer.defined() ? norm_grad_buffer.narrow(0, 0, rows) : torch::Tensor();
    return slot;
  }
};

namespace {

// LeakyReLU and its gradient as single passes, the arithmetic of LibTorch's kernels (x > 0 ? x : x * slope;
// g where x > 0, else g * slope): the same values, without a dispatch and a TensorIterator per call.
GENAI_CPU_CLONES
void leaky_relu_pass(float* __restrict out, const float* __restrict in, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? in[i] : in[i] * slope;
}

GENAI_CPU_CLONES
void leaky_relu_backward_pass(float* __restrict grad_in, const float* __restrict grad_out, const float* __restrict in, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) grad_in[i] = in[i] > 0.0f ? grad_out[i] : grad_out[i] * slope;
}

// Column sums of a row-major [rows, width] matrix (the bias gradient), in one pass over the rows.
GENAI_CPU_CLONES
void column_sums(float* __restrict sums, const float* __restrict m, int64_t rows, int64_t width) {
  for (int64_t j = 0; j < width; ++j) sums[j] = 0.0f;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < width; ++j) sums[j] += m[i * width + j];
}

// Training-mode BatchNorm1d over a row-major [n, width] batch with native_batch_norm's arithmetic: batch
// statistics summed in double, the biased variance normalizes, the running variance takes the unbiased one
// (n >= 2: the config refuses BatchNorm with one image per batch), and y = x * (invstd * gamma) + (beta - mean *
// invstd * gamma). The batches are 64-256 rows of 64-256 columns: one thread does them in microseconds, where
// native_batch_norm's dispatch, three allocations and parallel region cost more than the arithmetic.
GENAI_CPU_CLONES
void batch_norm_forward(float* __restrict y, const float* __restrict x, int64_t n, int64_t width, const NormArgs& a) {
  double* mean = a.sums;
  double* squares = a.sums + width;
  for (int64_t j = 0; j < width; ++j) mean[j] = squares[j] = 0.0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < width; ++j) mean[j] += x[i * width + j];
  for (int64_t j = 0; j < width; ++j) mean[j] /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < width; ++j) {
      const double d = x[i * width + j] - mean[j];
      squares[j] += d * d;
    }
  const double m = a.momentum;
  for (int64_t j = 0; j < width; ++j) {
    const double invstd = 1.0 / std::sqrt(squares[j] / static_cast<double>(n) + a.eps);
    a.save_mean[j] = static_cast<float>(mean[j]);
    a.save_invstd[j] = static_cast<float>(invstd);
    a.running_mean[j] = static_cast<float>(m * mean[j] + (1.0 - m) * a.running_mean[j]);
    a.running_var[j] = static_cast<float>(m * squares[j] / static_cast<double>(n - 1) + (1.0 - m) * a.running_var[j]);
    // Reuse the scratch for the affine map's scale and shift.
    const double scale = invstd * a.gamma[j];
    squares[j] = scale;
    mean[j] = a.beta[j] - mean[j] * scale;
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < width; ++j)
      y[i * width + j] = static_cast<float>(x[i * width + j] * static_cast<float>(squares[j]) + static_cast<float>(mean[j]));
}

// Its backward from the saved statistics: with xhat = (x - mean) * invstd, d beta = sum dy, d gamma =
// sum dy * xhat, and dx = (dy - mean(dy) - xhat * mean(dy * xhat)) * invstd * gamma. Parameter gradients are
// written when gamma_grad is non-null.
GENAI_CPU_CLONES
void batch_norm_backward(float* __restrict dx, const float* __restrict dy, const float* __restrict x, int64_t n, int64_t width, const NormArgs& a,
                         float* gamma_grad, float* beta_grad) {
  double* dy_sum = a.sums;
  double* dot = a.sums + width;  // sum dy * (x - mean)
  for (int64_t j = 0; j < width; ++j) dy_sum[j] = dot[j] = 0.0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < width; ++j) {
      const float g = dy[i * width + j];
      dy_sum[j] += g;
      dot[j] += static_cast<double>(g) * (x[i * width + j] - a.save_mean[j]);
    }
  if (gamma_grad)
    for (int64_t j = 0; j < width; ++j) {
      gamma_grad[j] = static_cast<float>(dot[j] * a.save_invstd[j]);
      beta_grad[j] = static_cast<float>(dy_sum[j]);
    }
  const double inv_n = 1.0 / static_cast<double>(n);
  for (int64_t j = 0; j < width; ++j) {
    const double invstd = a.save_invstd[j];
    // dx = dy * scale - (x - mean) * k - c, with scale = invstd * gamma, k = dot / n * invstd^2 * scale, c = mean(dy) * scale.
    const double scale = invstd * a.gamma[j];
    dot[j] = dot[j] * inv_n * invstd * invstd * scale;
    dy_sum[j] = dy_sum[j] * inv_n * scale;
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < width; ++j) {
      const float scale = a.save_invstd[j] * a.gamma[j];
      dx[i * width + j] =
          dy[i * width + j] * scale - (x[i * width + j] - a.save_mean[j]) * static_cast<float>(dot[j]) - static_cast<float>(dy_sum[j]);
    }
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
      layer.norm_out_buffer = torch::empty({max_rows, width}, options);
      layer.norm_grad_buffer = torch::empty({max_rows, width}, options);
      layer.save_mean = torch::empty({width}, options);
      layer.save_invstd = torch::empty({width}, options);
      layer.norm_sums.assign(static_cast<size_t>(2 * width), 0.0);
    } else if (auto* leaky = module->as<torch::nn::LeakyReLUImpl>()) {
      layer.activation = DenseActivation::kLeakyRelu;
      layer.slope = leaky->options.negative_slope();
      layer.out_buffer = torch::empty({max_rows, width}, options);
    } else if (module->as<torch::nn::TanhImpl>()) {
      layer.activation = DenseActivation::kTanh;
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
      layer.act_input = views.norm_out;
      batch_norm_forward(layer.act_input.data_ptr<float>(), layer.pre.data_ptr<float>(), rows_, layer.pre.size(1), layer.norm_args());
      ++*layer.batches_tracked.data_ptr<int64_t>();  // as BatchNorm1d's forward does in training mode
    }
    switch (layer.activation) {
      case DenseActivation::kNone:
        layer.out = layer.act_input;
        break;
      case DenseActivation::kLeakyRelu:
        layer.out = views.out;
        leaky_relu_pass(layer.out.data_ptr<float>(), layer.act_input.data_ptr<float>(), layer.out.numel(), static_cast<float>(layer.slope));
        break;
      case DenseActivation::kTanh:
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
      case DenseActivation::kNone:
        break;
      case DenseActivation::kLeakyRelu: {
        auto& grad = views.act_grad;
        const auto g_in = g.contiguous();
        leaky_relu_backward_pass(grad.data_ptr<float>(), g_in.data_ptr<float>(), layer.act_input.data_ptr<float>(), grad.numel(),
                                 static_cast<float>(layer.slope));
        g = grad;
        break;
      }
      case DenseActivation::kTanh: {
        auto& grad = views.act_grad;
        at::tanh_backward_out(grad, g, layer.out);
        g = grad;
        break;
      }
    }
    if (layer.batch_norm) {
      const auto g_in = g.contiguous();
      auto& grad = views.norm_grad;
      batch_norm_backward(grad.data_ptr<float>(), g_in.data_ptr<float>(), layer.pre.data_ptr<float>(), rows_, grad.size(1), layer.norm_args(),
                          parameter_gradients ? layer.gamma_grad.data_ptr<float>() : nullptr,
                          parameter_gradients ? layer.beta_grad.data_ptr<float>() : nullptr);
      g = grad;
    }
    if (parameter_gradients) {
      at::mm_out(layer.weight_grad, g.t(), layer.input);
      const auto g_in = g.contiguous();
      column_sums(layer.bias_grad.data_ptr<float>(), g_in.data_ptr<float>(), rows_, g_in.size(1));
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
torch::Tensor discriminator_input(int64_t batch_size, int64_t values, torch::Device device) {
  return torch::empty({2 * batch_size, values}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
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

MlpStep::MlpStep(models::Gan& gan, int64_t batch_size, torch::Device device, const ImageShape& shape)
    : batch_size_(batch_size),
      d_input_(discriminator_input(batch_size, shape.values(), device)),
      generator_(body_of<models::MlpGenerator>(gan.generator), batch_size, device, d_input_.narrow(0, batch_size, batch_size)),
      discriminator_(body_of<models::MlpDiscriminator>(gan.discriminator), 2 * batch_size, device) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const int64_t rows = 2 * batch_size;
  sign_ = torch::cat({torch::full({batch_size, 1}, -1.0f, options), torch::full({batch_size, 1}, 1.0f, options)});
  logit_gradient_ = torch::empty({rows, 1}, options);
  metrics_ = torch::empty({4}, options);
  real_input_ = d_input_.narrow(0, 0, batch_size).view({batch_size, shape.channels, shape.size, shape.size});
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
