#include "genai/models/sampling.h"

#include <ATen/CPUGeneratorImpl.h>

namespace genai::models {

torch::Tensor generate_images(Generator& generator, int64_t z_dim, int64_t count, uint64_t seed, torch::Device device) {
  constexpr int64_t kChunk = 256;
  // Restores G's mode on every exit, exceptions included (train --eval-every goes on after a failure).
  struct ModeGuard {
    Generator& g;
    bool was_training;
    ~ModeGuard() { g.train(was_training); }
  } guard{generator, generator.is_training()};
  generator.eval();
  auto noise_generator = at::detail::createCPUGenerator(seed);
  std::vector<torch::Tensor> images;
  {
    torch::NoGradGuard no_grad;
    for (int64_t done = 0; done < count; done += kChunk) {
      const int64_t n = std::min(kChunk, count - done);
      auto z = torch::randn({n, z_dim}, noise_generator, torch::kFloat32).to(device);
      images.push_back(generator.forward(z).to(torch::kCPU));
    }
  }
  return torch::cat(images);
}

}  // namespace genai::models
