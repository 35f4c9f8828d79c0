#pragma once
// The minibatch-standard-deviation feature (Karras et al. 2018, ProGAN; StyleGAN2's D): the batch is split into
// groups of `group` images (image i joins group i mod B/group, as ProGAN strides them); within each group, the
// standard deviation of every feature over the group's images, averaged over the features, is one number that
// each of the group's images gets as an extra feature. A D that sees it can tell a batch of near-copies (a
// collapsed G) from a varied one. Appended to D's last features (for the DCGAN, equivalent to ProGAN's extra
// constant 7x7 map, since only a linear layer follows).
#include <torch/torch.h>

namespace genai::models {

// The group size actually used for a batch of `batch` images: the largest divisor of `batch` not above
// `group` (a batch of 1 gets 1, whose deviation is 0).
int64_t minibatch_stddev_group(int64_t batch, int64_t group);

// [B, F] -> [B, F + 1]: the features with the group statistic appended, sqrt(var + 1e-8) as ProGAN.
torch::Tensor append_minibatch_stddev(const torch::Tensor& features, int64_t group);

}  // namespace genai::models
