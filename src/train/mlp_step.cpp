#include "genai/train/mlp_step.h"

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
};

namespace {

torch::Tensor grad_alias(const torch::Tensor& parameter) {
  if (!parameter.grad().defined()) throw RuntimeError("internal: MlpStep needs gradients held by FlatAdam");
  return parameter.grad().detach();
}

}  // namespace

DenseStack::DenseStack(const torch::nn::Sequential& body, int64_t max_rows, torch::Device device) : max_rows_(max_rows) {
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
}

const torch::Tensor& DenseStack::forward(const torch::Tensor& input) {
  rows_ = input.size(0);
  TORCH_CHECK(rows_ <= max_rows_, "DenseStack: ", rows_, " rows > ", max_rows_);
  torch::Tensor x = input;
  for (auto& layer_ptr : layers_) {
    auto& layer = *layer_ptr;
    layer.input = x;
    layer.pre = layer.pre_buffer.narrow(0, 0, rows_);
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
        layer.out = layer.out_buffer.narrow(0, 0, rows_);
        at::leaky_relu_out(layer.out, layer.act_input, layer.slope);
        break;
      case Activation::kTanh:
        layer.out = layer.out_buffer.narrow(0, 0, rows_);
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
    switch (layer.activation) {
      case Activation::kNone:
        break;
      case Activation::kLeakyRelu: {
        auto grad = layer.act_grad_buffer.narrow(0, 0, rows_);
        at::leaky_relu_backward_out(grad, g, layer.act_input, layer.slope, /*self_is_result=*/false);
        g = grad;
        break;
      }
      case Activation::kTanh: {
        auto grad = layer.act_grad_buffer.narrow(0, 0, rows_);
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
    auto input_grad = layer.input_grad_buffer.narrow(0, 0, rows_);
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

MlpStep::MlpStep(models::Gan& gan, int64_t batch_size, torch::Device device)
    : batch_size_(batch_size),
      generator_(body_of<models::MlpGenerator>(gan.generator), batch_size, device),
      discriminator_(body_of<models::MlpDiscriminator>(gan.discriminator), 2 * batch_size, device) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const int64_t rows = 2 * batch_size;
  d_input_ = torch::empty({rows, models::kImagePixels}, options);
  sign_ = torch::cat({torch::full({batch_size, 1}, -1.0f, options), torch::full({batch_size, 1}, 1.0f, options)});
  sign_over_batch_ = sign_ / static_cast<double>(batch_size);
  signed_logits_ = torch::empty({rows, 1}, options);
  sigmoid_ = torch::empty({rows, 1}, options);
  logit_gradient_ = torch::empty({rows, 1}, options);
  softplus_ = torch::empty({rows, 1}, options);
  metrics_ = torch::empty({4}, options);
}

const torch::Tensor& MlpStep::run(const torch::Tensor& real, const torch::Tensor& noise, FlatAdam& optimizer_g, FlatAdam& optimizer_d) {
  torch::NoGradGuard no_grad;
  const int64_t b = batch_size_;
  const double inv_b = 1.0 / static_cast<double>(b);
  auto real_rows = d_input_.narrow(0, 0, b), fake_rows = d_input_.narrow(0, b, b);
  real_rows.copy_(real.view({b, models::kImagePixels}));
  fake_rows.copy_(generator_.forward(noise));

  // D step on [real; fake]: loss = (1/B) sum softplus(sign * logit), so d loss / d logit = sign * sigmoid(sign * logit) / B.
  const auto& logits = discriminator_.forward(d_input_);
  at::mul_out(signed_logits_, logits, sign_);
  at::sigmoid_out(sigmoid_, signed_logits_);
  at::mul_out(logit_gradient_, sigmoid_, sign_over_batch_);
  at::softplus_out(softplus_, signed_logits_);
  auto d_loss = metrics_.narrow(0, 0, 1), g_loss = metrics_.narrow(0, 1, 1), d_outputs = metrics_.narrow(0, 2, 2);
  at::sum_out(d_loss, softplus_, at::IntArrayRef(kRowDim)).mul_(inv_b);
  // Sums of sigmoid(-logit) over real rows and sigmoid(logit) over fake rows -> mean D(x) and mean D(G(z)).
  at::sum_out(d_outputs, sigmoid_.view({2, b}), at::IntArrayRef(std::array<int64_t, 1>{1})).mul_(inv_b);
  metrics_.narrow(0, 2, 1).neg_().add_(1.0);
  discriminator_.backward(logit_gradient_, /*parameter_gradients=*/true, /*input_gradient=*/false);
  optimizer_d.step();

  // G step through the updated D on the same fake rows; the first B signs are -1: loss = mean softplus(-logit).
  const auto& g_logits = discriminator_.forward(fake_rows);
  auto g_signed = signed_logits_.narrow(0, 0, b), g_sigmoid = sigmoid_.narrow(0, 0, b), g_gradient = logit_gradient_.narrow(0, 0, b),
       g_softplus = softplus_.narrow(0, 0, b);
  at::mul_out(g_signed, g_logits, sign_.narrow(0, 0, b));
  at::sigmoid_out(g_sigmoid, g_signed);
  at::mul_out(g_gradient, g_sigmoid, sign_over_batch_.narrow(0, 0, b));
  at::softplus_out(g_softplus, g_signed);
  at::sum_out(g_loss, g_softplus, at::IntArrayRef(kRowDim)).mul_(inv_b);
  const auto image_gradient = discriminator_.backward(g_gradient, /*parameter_gradients=*/false, /*input_gradient=*/true);
  generator_.backward(image_gradient, /*parameter_gradients=*/true, /*input_gradient=*/false);
  optimizer_g.step();
  return metrics_;
}

}  // namespace genai::train
