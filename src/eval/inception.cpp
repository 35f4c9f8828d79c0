#include "genai/eval/inception.h"

#include "genai/eval/pretrained_weights.h"

namespace genai::eval {
namespace F = torch::nn::functional;
namespace {

using Kernel = std::vector<int64_t>;

// pytorch-fid's blocks average-pool with count_include_pad=False (TensorFlow's pooling), unlike torchvision's.
torch::Tensor average_pool_3x3(const torch::Tensor& x) {
  return F::avg_pool2d(x, F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
}
torch::Tensor max_pool_3x3_stride_2(const torch::Tensor& x) { return F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2)); }

// FIDInceptionA (Mixed_5b/c/d).
struct BlockAImpl : torch::nn::Module {
  BlockAImpl(int64_t in, int64_t pool_features)
      : branch1x1(register_module("branch1x1", InceptionConv(in, 64, Kernel{1, 1}))),
        branch5x5_1(register_module("branch5x5_1", InceptionConv(in, 48, Kernel{1, 1}))),
        branch5x5_2(register_module("branch5x5_2", InceptionConv(48, 64, Kernel{5, 5}, Kernel{1, 1}, Kernel{2, 2}))),
        branch3x3dbl_1(register_module("branch3x3dbl_1", InceptionConv(in, 64, Kernel{1, 1}))),
        branch3x3dbl_2(register_module("branch3x3dbl_2", InceptionConv(64, 96, Kernel{3, 3}, Kernel{1, 1}, Kernel{1, 1}))),
        branch3x3dbl_3(register_module("branch3x3dbl_3", InceptionConv(96, 96, Kernel{3, 3}, Kernel{1, 1}, Kernel{1, 1}))),
        branch_pool(register_module("branch_pool", InceptionConv(in, pool_features, Kernel{1, 1}))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat(
        {branch1x1(x), branch5x5_2(branch5x5_1(x)), branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))), branch_pool(average_pool_3x3(x))}, 1);
  }
  InceptionConv branch1x1, branch5x5_1, branch5x5_2, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3, branch_pool;
};
TORCH_MODULE(BlockA);

// torchvision's InceptionB (Mixed_6a), unchanged by pytorch-fid.
struct BlockBImpl : torch::nn::Module {
  explicit BlockBImpl(int64_t in)
      : branch3x3(register_module("branch3x3", InceptionConv(in, 384, Kernel{3, 3}, Kernel{2, 2}))),
        branch3x3dbl_1(register_module("branch3x3dbl_1", InceptionConv(in, 64, Kernel{1, 1}))),
        branch3x3dbl_2(register_module("branch3x3dbl_2", InceptionConv(64, 96, Kernel{3, 3}, Kernel{1, 1}, Kernel{1, 1}))),
        branch3x3dbl_3(register_module("branch3x3dbl_3", InceptionConv(96, 96, Kernel{3, 3}, Kernel{2, 2}))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat({branch3x3(x), branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))), max_pool_3x3_stride_2(x)}, 1);
  }
  InceptionConv branch3x3, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3;
};
TORCH_MODULE(BlockB);

// FIDInceptionC (Mixed_6b/c/d/e).
struct BlockCImpl : torch::nn::Module {
  BlockCImpl(int64_t in, int64_t c7)
      : branch1x1(register_module("branch1x1", InceptionConv(in, 192, Kernel{1, 1}))),
        branch7x7_1(register_module("branch7x7_1", InceptionConv(in, c7, Kernel{1, 1}))),
        branch7x7_2(register_module("branch7x7_2", InceptionConv(c7, c7, Kernel{1, 7}, Kernel{1, 1}, Kernel{0, 3}))),
        branch7x7_3(register_module("branch7x7_3", InceptionConv(c7, 192, Kernel{7, 1}, Kernel{1, 1}, Kernel{3, 0}))),
        branch7x7dbl_1(register_module("branch7x7dbl_1", InceptionConv(in, c7, Kernel{1, 1}))),
        branch7x7dbl_2(register_module("branch7x7dbl_2", InceptionConv(c7, c7, Kernel{7, 1}, Kernel{1, 1}, Kernel{3, 0}))),
        branch7x7dbl_3(register_module("branch7x7dbl_3", InceptionConv(c7, c7, Kernel{1, 7}, Kernel{1, 1}, Kernel{0, 3}))),
        branch7x7dbl_4(register_module("branch7x7dbl_4", InceptionConv(c7, c7, Kernel{7, 1}, Kernel{1, 1}, Kernel{3, 0}))),
        branch7x7dbl_5(register_module("branch7x7dbl_5", InceptionConv(c7, 192, Kernel{1, 7}, Kernel{1, 1}, Kernel{0, 3}))),
        branch_pool(register_module("branch_pool", InceptionConv(in, 192, Kernel{1, 1}))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    const auto seven = branch7x7_3(branch7x7_2(branch7x7_1(x)));
    const auto twice = branch7x7dbl_5(branch7x7dbl_4(branch7x7dbl_3(branch7x7dbl_2(branch7x7dbl_1(x)))));
    return torch::cat({branch1x1(x), seven, twice, branch_pool(average_pool_3x3(x))}, 1);
  }
  InceptionConv branch1x1, branch7x7_1, branch7x7_2, branch7x7_3, branch7x7dbl_1, branch7x7dbl_2, branch7x7dbl_3, branch7x7dbl_4, branch7x7dbl_5,
      branch_pool;
};
TORCH_MODULE(BlockC);

// torchvision's InceptionD (Mixed_7a), unchanged by pytorch-fid.
struct BlockDImpl : torch::nn::Module {
  explicit BlockDImpl(int64_t in)
      : branch3x3_1(register_module("branch3x3_1", InceptionConv(in, 192, Kernel{1, 1}))),
        branch3x3_2(register_module("branch3x3_2", InceptionConv(192, 320, Kernel{3, 3}, Kernel{2, 2}))),
        branch7x7x3_1(register_module("branch7x7x3_1", InceptionConv(in, 192, Kernel{1, 1}))),
        branch7x7x3_2(register_module("branch7x7x3_2", InceptionConv(192, 192, Kernel{1, 7}, Kernel{1, 1}, Kernel{0, 3}))),
        branch7x7x3_3(register_module("branch7x7x3_3", InceptionConv(192, 192, Kernel{7, 1}, Kernel{1, 1}, Kernel{3, 0}))),
        branch7x7x3_4(register_module("branch7x7x3_4", InceptionConv(192, 192, Kernel{3, 3}, Kernel{2, 2}))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat({branch3x3_2(branch3x3_1(x)), branch7x7x3_4(branch7x7x3_3(branch7x7x3_2(branch7x7x3_1(x)))), max_pool_3x3_stride_2(x)}, 1);
  }
  InceptionConv branch3x3_1, branch3x3_2, branch7x7x3_1, branch7x7x3_2, branch7x7x3_3, branch7x7x3_4;
};
TORCH_MODULE(BlockD);

// FIDInceptionE_1 (Mixed_7b: average pool without padding) and FIDInceptionE_2 (Mixed_7c: max pool).
struct BlockEImpl : torch::nn::Module {
  BlockEImpl(int64_t in, bool max_pool)
      : max_pool(max_pool),
        branch1x1(register_module("branch1x1", InceptionConv(in, 320, Kernel{1, 1}))),
        branch3x3_1(register_module("branch3x3_1", InceptionConv(in, 384, Kernel{1, 1}))),
        branch3x3_2a(register_module("branch3x3_2a", InceptionConv(384, 384, Kernel{1, 3}, Kernel{1, 1}, Kernel{0, 1}))),
        branch3x3_2b(register_module("branch3x3_2b", InceptionConv(384, 384, Kernel{3, 1}, Kernel{1, 1}, Kernel{1, 0}))),
        branch3x3dbl_1(register_module("branch3x3dbl_1", InceptionConv(in, 448, Kernel{1, 1}))),
        branch3x3dbl_2(register_module("branch3x3dbl_2", InceptionConv(448, 384, Kernel{3, 3}, Kernel{1, 1}, Kernel{1, 1}))),
        branch3x3dbl_3a(register_module("branch3x3dbl_3a", InceptionConv(384, 384, Kernel{1, 3}, Kernel{1, 1}, Kernel{0, 1}))),
        branch3x3dbl_3b(register_module("branch3x3dbl_3b", InceptionConv(384, 384, Kernel{3, 1}, Kernel{1, 1}, Kernel{1, 0}))),
        branch_pool(register_module("branch_pool", InceptionConv(in, 192, Kernel{1, 1}))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    const auto three = branch3x3_1(x);
    const auto twice = branch3x3dbl_2(branch3x3dbl_1(x));
    const auto pooled = max_pool ? F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(1).padding(1)) : average_pool_3x3(x);
    return torch::cat({branch1x1(x), torch::cat({branch3x3_2a(three), branch3x3_2b(three)}, 1),
                       torch::cat({branch3x3dbl_3a(twice), branch3x3dbl_3b(twice)}, 1), branch_pool(pooled)},
                      1);
  }
  bool max_pool;
  InceptionConv branch1x1, branch3x3_1, branch3x3_2a, branch3x3_2b, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3a, branch3x3dbl_3b, branch_pool;
};
TORCH_MODULE(BlockE);

struct MaxPool3x3Stride2Impl : torch::nn::Module {
  torch::Tensor forward(const torch::Tensor& x) { return max_pool_3x3_stride_2(x); }
};
TORCH_MODULE(MaxPool3x3Stride2);

}  // namespace

InceptionConvImpl::InceptionConvImpl(int64_t in, int64_t out, std::vector<int64_t> kernel, std::vector<int64_t> stride, std::vector<int64_t> padding)
    : conv_(register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false)))),
      bn_(register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).eps(0.001)))) {}

torch::Tensor InceptionConvImpl::forward(const torch::Tensor& x) { return bn_->forward(conv_->forward(x)).relu_(); }

FidInceptionV3Impl::FidInceptionV3Impl() {
  // The parameter names are the state dict's: Conv2d_1a_3x3.conv.weight, Mixed_5b.branch1x1.bn.running_mean, ...
  // A Sequential would prefix indices, so the blocks are registered under their names and also kept in order.
  stem_ = torch::nn::Sequential();
  auto add = [&](const std::string& name, auto module) {
    register_module(name, module);
    stem_->push_back(module);
  };
  add("Conv2d_1a_3x3", InceptionConv(3, 32, Kernel{3, 3}, Kernel{2, 2}));
  add("Conv2d_2a_3x3", InceptionConv(32, 32, Kernel{3, 3}));
  add("Conv2d_2b_3x3", InceptionConv(32, 64, Kernel{3, 3}, Kernel{1, 1}, Kernel{1, 1}));
  stem_->push_back(MaxPool3x3Stride2());
  add("Conv2d_3b_1x1", InceptionConv(64, 80, Kernel{1, 1}));
  add("Conv2d_4a_3x3", InceptionConv(80, 192, Kernel{3, 3}));
  stem_->push_back(MaxPool3x3Stride2());
  add("Mixed_5b", BlockA(192, 32));
  add("Mixed_5c", BlockA(256, 64));
  add("Mixed_5d", BlockA(288, 64));
  add("Mixed_6a", BlockB(288));
  add("Mixed_6b", BlockC(768, 128));
  add("Mixed_6c", BlockC(768, 160));
  add("Mixed_6d", BlockC(768, 160));
  add("Mixed_6e", BlockC(768, 192));
  add("Mixed_7a", BlockD(768));
  add("Mixed_7b", BlockE(1280, /*max_pool=*/false));
  add("Mixed_7c", BlockE(2048, /*max_pool=*/true));
  fc_ = register_module("fc", torch::nn::Linear(kFeatureDim, kClasses));
}

torch::Tensor FidInceptionV3Impl::features(const torch::Tensor& rgb) {
  auto x =
      F::interpolate(rgb, F::InterpolateFuncOptions().size(std::vector<int64_t>{kInputSize, kInputSize}).mode(torch::kBilinear).align_corners(false));
  x = stem_->forward(x.mul(2).sub_(1).contiguous(torch::MemoryFormat::ChannelsLast));  // as the weights are
  return F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1);
}

FidInceptionV3 load_fid_inception(const std::string& path) {
  FidInceptionV3 net;
  load_pretrained_weights(*net, path, "pytorch-fid's Inception weights (pt_inception-2015-12-05-6726825d.pth)");
  net->eval();
  return net;
}

}  // namespace genai::eval
