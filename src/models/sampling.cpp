#include "genai/models/sampling.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

namespace genai::models {

torch::Tensor generate_images(Generator& generator, int64_t z_dim, int64_t count, uint64_t seed, torch::Device device, const torch::Tensor& labels) {
  constexpr int64_t kChunk = 256;
  EvalModeGuard eval_mode(generator);
  auto noise_generator = at::detail::createCPUGenerator(seed);
  std::vector<torch::Tensor> images;
  {
    torch::NoGradGuard no_grad;
    for (int64_t done = 0; done < count; done += kChunk) {
      const int64_t n = std::min(kChunk, count - done);
      auto z = torch::randn({n, z_dim}, noise_generator, torch::kFloat32).to(device);
      const auto chunk_labels = labels.defined() ? labels.narrow(0, done, n).to(device) : torch::Tensor();
      images.push_back(generator.forward(z, chunk_labels).to(torch::kCPU));
    }
  }
  return torch::cat(images);
}

torch::Tensor balanced_labels(int64_t count, int64_t classes, int64_t only_class) {
  if (only_class >= 0) return torch::full({count}, only_class, torch::kInt64);
  return torch::arange(count, torch::kInt64).remainder(classes);
}

torch::Tensor seed_latent(uint64_t seed, int64_t z_dim) {
  auto generator = at::detail::createCPUGenerator(seed);
  return torch::randn({z_dim}, generator, torch::kFloat32);
}

torch::Tensor slerp(const torch::Tensor& a, const torch::Tensor& b, double t) {
  const auto a64 = a.to(torch::kFloat64), b64 = b.to(torch::kFloat64);
  const double cosine = (a64.dot(b64) / (a64.norm() * b64.norm())).item<double>();
  const double theta = std::acos(std::clamp(cosine, -1.0, 1.0));
  if (std::sin(theta) < 1e-6) return ((1 - t) * a64 + t * b64).to(a.scalar_type());
  return ((std::sin((1 - t) * theta) * a64 + std::sin(t * theta) * b64) / std::sin(theta)).to(a.scalar_type());
}

}  // namespace genai::models
