#pragma once
// k-means clusters of the training images, the labels of the self-conditioned unconditional models (--clusters K).
// An unconditional G must map one connected latent space onto data that falls apart into separate pieces; the
// samples it puts between the pieces are its malformed ones. With --clusters, G and D are conditioned on which
// k-means cluster of pixels an image belongs to (as Liu et al. 2020, "Diverse image generation via self-conditioned
// GANs", condition on clusters of D's features): no labels are used, and G gets the discrete input the conditional
// models have.
#include <torch/torch.h>

#include <cstdint>

namespace genai::data {

// The cluster of each image: k-means++ seeding (Arthur & Vassilvitskii 2007) from a CPU generator seeded with
// `seed`, then Lloyd's iterations until no assignment changes (at most `max_iterations`). images: [N, ...] on any
// device; returns int64 [N] in [0, k) on the images' device. Distances in float32, centroids summed in double; a
// cluster that empties keeps its centroid. The same images, k and seed give the same clusters (resume relies on it).
// Throws RuntimeError when k < 2 or k > N.
torch::Tensor kmeans_labels(const torch::Tensor& images, int64_t k, uint64_t seed, int64_t max_iterations = 100);

}  // namespace genai::data
