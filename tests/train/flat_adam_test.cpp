#include "genai/train/flat_adam.h"

#include <gtest/gtest.h>

namespace genai::train {
namespace {

// A small regression problem: two Linear layers, squared error.
struct Problem {
  torch::nn::Sequential net{torch::nn::Linear(5, 7), torch::nn::Tanh(), torch::nn::Linear(7, 3)};
  torch::Tensor loss(const torch::Tensor& x, const torch::Tensor& y) { return (net->forward(x) - y).pow(2).mean(); }
};

// Both of FlatAdam's paths against torch::optim::Adam: float32 on the CPU takes the one-pass loop, any other
// device or dtype the tensor-op path (LibTorch 2.4+: the fused _fused_adam_ kernel), which is what CUDA runs;
// float64 on the CPU exercises it here, where no GPU is.
// With `lr_scale`, FlatAdam holds lr / lr_scale as its base rate and the scale on top (--lr-decay-start's schedule):
// the update must be the reference's at lr.
void expect_matches_torch_adam(torch::Dtype dtype, torch::Device device = torch::kCPU, double lr_scale = 1) {
  torch::manual_seed(3);
  Problem ours, reference;
  ours.net->to(device, dtype);
  reference.net->to(device, dtype);
  {
    torch::NoGradGuard g;
    auto a = ours.net->parameters(), b = reference.net->parameters();
    for (size_t i = 0; i < a.size(); ++i) b[i].copy_(a[i]);
  }
  AdamConfig config{1e-2, 0.5, 0.999};
  FlatAdam flat(ours.net->parameters(), AdamConfig{config.lr / lr_scale, config.beta1, config.beta2});
  flat.set_lr_scale(lr_scale);
  torch::optim::Adam adam(reference.net->parameters(), torch::optim::AdamOptions(1e-2).betas({0.5, 0.999}));
  // The paths round differently from torch's seven tensor ops (fused multiply-adds), so the two drift apart
  // by float rounding: bound it per step at 1e-4 of the learning rate, far below what any wrong term of the
  // update (bias corrections, eps, betas) would change (order lr).
  const double tolerance = 1e-4 * config.lr;
  for (int step = 0; step < 20; ++step) {
    auto x = torch::randn({16, 5}, dtype).to(device), y = torch::randn({16, 3}, dtype).to(device);
    flat.zero_grad();
    ours.loss(x, y).backward();
    flat.step();
    adam.zero_grad();
    reference.loss(x, y).backward();
    adam.step();
    auto a = ours.net->parameters(), b = reference.net->parameters();
    for (size_t i = 0; i < a.size(); ++i) {
      const double difference = (a[i] - b[i]).abs().max().item<double>();
      ASSERT_LT(difference, tolerance) << "step " << step << " parameter " << i;
    }
  }
  auto a = ours.net->parameters(), b = reference.net->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_FALSE(torch::equal(a[i], torch::zeros_like(a[i])));
  EXPECT_EQ(flat.step_count(), 20);
}

TEST(FlatAdam, MatchesTorchAdamStepForStep) { expect_matches_torch_adam(torch::kFloat32); }

TEST(FlatAdam, TheTensorOpPathCudaUsesMatchesTorchAdamStepForStep) { expect_matches_torch_adam(torch::kFloat64); }

TEST(FlatAdam, BothPathsUpdateAtTheBaseRateTimesTheScale) {
  expect_matches_torch_adam(torch::kFloat32, torch::kCPU, 0.25);
  expect_matches_torch_adam(torch::kFloat64, torch::kCPU, 0.25);
}

TEST(FlatAdam, MatchesTorchAdamStepForStepOnCuda_CUDA) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  expect_matches_torch_adam(torch::kFloat32, torch::Device(torch::kCUDA, 0));
}

TEST(FlatAdam, TheTensorOpPathContinuesExactlyAfterRestore) {
  torch::manual_seed(5);
  Problem straight, resumed;
  straight.net->to(torch::kFloat64);
  resumed.net->to(torch::kFloat64);
  {
    torch::NoGradGuard g;
    auto a = straight.net->parameters(), b = resumed.net->parameters();
    for (size_t i = 0; i < a.size(); ++i) b[i].copy_(a[i]);
  }
  FlatAdam a(straight.net->parameters(), AdamConfig{1e-2, 0.5, 0.999});
  std::vector<torch::Tensor> xs, ys;
  for (int i = 0; i < 6; ++i) xs.push_back(torch::randn({8, 5}, torch::kFloat64)), ys.push_back(torch::randn({8, 3}, torch::kFloat64));
  for (int i = 0; i < 3; ++i) a.zero_grad(), straight.loss(xs[i], ys[i]).backward(), a.step();
  // A second optimizer takes over the state after 3 steps (as a resume does) and both run 3 more.
  {
    torch::NoGradGuard g;
    auto p = straight.net->parameters(), q = resumed.net->parameters();
    for (size_t i = 0; i < p.size(); ++i) q[i].copy_(p[i]);
  }
  FlatAdam b(resumed.net->parameters(), AdamConfig{1e-2, 0.5, 0.999});
  std::vector<torch::Tensor> m, v;
  for (size_t i = 0; i < a.size(); ++i) m.push_back(a.exp_avg(i).clone()), v.push_back(a.exp_avg_sq(i).clone());
  b.restore(m, v, a.step_count());
  for (int i = 3; i < 6; ++i) {
    a.zero_grad(), straight.loss(xs[i], ys[i]).backward(), a.step();
    b.zero_grad(), resumed.loss(xs[i], ys[i]).backward(), b.step();
  }
  auto p = straight.net->parameters(), q = resumed.net->parameters();
  for (size_t i = 0; i < p.size(); ++i) EXPECT_TRUE(torch::equal(p[i], q[i])) << "parameter " << i;
}

TEST(FlatAdam, ParametersAndGradientsAreViewsOfTheFlatBuffers) {
  Problem p;
  FlatAdam flat(p.net->parameters(), AdamConfig{});
  p.loss(torch::randn({4, 5}), torch::randn({4, 3})).backward();
  const auto params = p.net->parameters();
  ASSERT_TRUE(params[0].grad().defined());
  EXPECT_GT(params[0].grad().abs().sum().item<float>(), 0);
  flat.zero_grad();
  for (const auto& q : params) EXPECT_EQ(q.grad().abs().sum().item<float>(), 0.0f);  // one fill zeroed every gradient
  // A step moves the module's own parameters.
  const auto before = params[2].clone();
  p.loss(torch::randn({4, 5}), torch::randn({4, 3})).backward();
  flat.step();
  EXPECT_FALSE(torch::equal(before, p.net->parameters()[2]));
}

TEST(FlatAdam, RestoreSetsMomentsAndStepCount) {
  Problem p;
  FlatAdam flat(p.net->parameters(), AdamConfig{});
  std::vector<torch::Tensor> m, v;
  for (const auto& q : p.net->parameters()) m.push_back(torch::full_like(q, 0.5)), v.push_back(torch::full_like(q, 2.0));
  flat.restore(m, v, 7);
  EXPECT_EQ(flat.step_count(), 7);
  EXPECT_TRUE(torch::equal(flat.exp_avg(1), m[1]));
  EXPECT_TRUE(torch::equal(flat.exp_avg_sq(3), v[3]));
}

}  // namespace
}  // namespace genai::train
