#include "genai/eval/efficientnet_lite.h"

#include "genai/eval/pretrained_weights.h"

namespace genai::eval {
namespace F = torch::nn::functional;
namespace {

constexpr double kBatchNormEps = 1e-3;

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups = 1) {
  // Stride 1 pads symmetrically (k - 1 is even), stride 2 is padded by same_pad() before the convolution.
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(stride == 1 ? kernel / 2 : 0).groups(groups).bias(false));
}
torch::nn::BatchNorm2d batch_norm(int64_t channels) { return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).eps(kBatchNormEps)); }

// TensorFlow's "SAME" padding of a stride-2 convolution: the output is ceil(in / 2), and the odd pixel of padding
// goes to the bottom and the right.
torch::Tensor same_pad(const torch::Tensor& x, int64_t kernel, int64_t stride) {
  if (stride == 1) return x;
  auto amount = [&](int64_t in) {
    const int64_t out = (in + stride - 1) / stride;
    return std::max<int64_t>((out - 1) * stride + kernel - in, 0);
  };
  const int64_t h = amount(x.size(2)), w = amount(x.size(3));
  return F::pad(x, F::PadFuncOptions({w / 2, w - w / 2, h / 2, h - h / 2}));
}

// The mobile inverted bottleneck: 1x1 expansion (not in the first block), depthwise k x k, 1x1 projection, and the
// identity added back when the block keeps the shape.
struct BlockImpl : torch::nn::Module {
  BlockImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t expand)
      : kernel(kernel), stride(stride), residual(stride == 1 && in == out) {
    const int64_t wide = in * expand;
    if (expand != 1) {
      expand_conv = register_module("_expand_conv", conv(in, wide, 1, 1));
      bn0 = register_module("_bn0", batch_norm(wide));
    }
    depthwise_conv = register_module("_depthwise_conv", conv(wide, wide, kernel, stride, wide));
    bn1 = register_module("_bn1", batch_norm(wide));
    project_conv = register_module("_project_conv", conv(wide, out, 1, 1));
    bn2 = register_module("_bn2", batch_norm(out));
  }
  torch::Tensor forward(const torch::Tensor& input) {
    auto x = input;
    if (expand_conv) x = bn0->forward(expand_conv->forward(x)).clamp_(0, 6);
    x = bn1->forward(depthwise_conv->forward(same_pad(x, kernel, stride))).clamp_(0, 6);
    x = bn2->forward(project_conv->forward(x));
    return residual ? x.add_(input) : x;
  }
  int64_t kernel, stride;
  bool residual;
  torch::nn::Conv2d expand_conv{nullptr}, depthwise_conv{nullptr}, project_conv{nullptr};
  torch::nn::BatchNorm2d bn0{nullptr}, bn1{nullptr}, bn2{nullptr};
};
TORCH_MODULE(Block);

struct Stage {
  int64_t repeats, kernel, stride, expand, in, out;
};
// EfficientNet-Lite0's block arguments (width and depth multipliers 1.0): r1_k3_s11_e1_i32_o16, r2_k3_s22_e6_i16_o24,
// r2_k5_s22_e6_i24_o40, r3_k3_s22_e6_i40_o80, r3_k5_s11_e6_i80_o112, r4_k5_s22_e6_i112_o192, r1_k3_s11_e6_i192_o320.
constexpr Stage kStages[] = {{1, 3, 1, 1, 32, 16},  {2, 3, 2, 6, 16, 24},   {2, 5, 2, 6, 24, 40},  {3, 3, 2, 6, 40, 80},
                             {3, 5, 1, 6, 80, 112}, {4, 5, 2, 6, 112, 192}, {1, 3, 1, 6, 192, 320}};

}  // namespace

EfficientNetLite0Impl::EfficientNetLite0Impl() {
  stem_ = register_module("_conv_stem", conv(3, 32, 3, 2));
  stem_bn_ = register_module("_bn0", batch_norm(32));
  blocks_ = torch::nn::ModuleList();
  for (const Stage& s : kStages)
    for (int64_t r = 0; r < s.repeats; ++r) blocks_->push_back(Block(r ? s.out : s.in, s.out, s.kernel, r ? 1 : s.stride, s.expand));
  register_module("_blocks", blocks_);
  head_ = register_module("_conv_head", conv(320, kFeatureDim, 1, 1));
  head_bn_ = register_module("_bn1", batch_norm(kFeatureDim));
  fc_ = register_module("_fc", torch::nn::Linear(kFeatureDim, kClasses));
}

torch::Tensor EfficientNetLite0Impl::features(const torch::Tensor& rgb) {
  auto x =
      F::interpolate(rgb, F::InterpolateFuncOptions().size(std::vector<int64_t>{kInputSize, kInputSize}).mode(torch::kBilinear).align_corners(false));
  // TensorFlow's (x - 127) / 128 on 0..255; channels-last, as the weights are (load_pretrained_weights).
  x = x.mul(255.0 / 128.0).sub_(127.0 / 128.0).contiguous(torch::MemoryFormat::ChannelsLast);
  x = stem_bn_->forward(stem_->forward(same_pad(x, 3, 2))).clamp_(0, 6);
  for (const auto& block : *blocks_) x = block->as<BlockImpl>()->forward(x);
  x = head_bn_->forward(head_->forward(x)).clamp_(0, 6);
  return x.mean({2, 3});
}

torch::Tensor EfficientNetLite0Impl::logits(const torch::Tensor& features) { return fc_->forward(features); }

EfficientNetLite0 load_efficientnet_lite0(const std::string& path) {
  EfficientNetLite0 net;
  load_pretrained_weights(*net, path, "EfficientNet-Lite0 weights (efficientnet-lite0-57934424.pth)");
  net->eval();
  return net;
}

}  // namespace genai::eval
