#pragma once
// Differentiable augmentation (DiffAugment, Zhao et al. 2020): the same random translation and cutout are applied
// to real and fake images alike on their way into D, in both networks' steps, so D cannot memorise the few
// training images and G is not taught the augmentation (it cannot tell which image a transform came from).
// Both are a gather and a mask, so gradients flow through them to G, and to the real images for R1.
// - translation: each image moves by up to 1/8 of its side (-3..3 pixels) in each direction; pixels that come
//   in from outside are background (-1).
// - cutout: a 14x14 square (half the side) at a random centre, clipped at the edges, becomes background.
// The randomness comes in as `draws`, [B, 4] uniform in [0, 1) (dy, dx, cutout row, cutout column), so the
// trainer draws them from its own seeded stream and a resumed run continues exactly.
#include <torch/torch.h>

#include <string>

#include "genai/config/closed_set.h"

namespace genai::train {

struct AugmentPolicy {
  bool translation = false;
  bool cutout = false;
  bool any() const { return translation || cutout; }
};

AugmentPolicy augment_policy(Augment augment);

inline constexpr int64_t kAugmentDraws = 4;  // uniforms per image
// DiffAugment's sizes scale with the image (28x28: shifts up to 3 pixels, a 14x14 cutout).
inline constexpr int64_t max_shift(int64_t side) { return side / 8 > 0 ? side / 8 : 1; }  // translation: up to 1/8 of the side
inline constexpr int64_t cutout_side(int64_t side) { return side / 2; }                   // cutout: half the side

// The pixel indices the transforms gather and mask with ([H] and [W] int64 on the images' device), made once per
// run so that a training step creates no index tensors.
struct AugmentGrid {
  AugmentGrid() = default;
  AugmentGrid(int64_t height, int64_t width, torch::Device device);
  torch::Tensor rows, cols;
};

// images [B, C, H, W] in [-1, 1]; draws [B, kAugmentDraws] in [0, 1); grid: AugmentGrid(H, W, images' device).
torch::Tensor augment(const torch::Tensor& images, const torch::Tensor& draws, AugmentPolicy policy, const AugmentGrid& grid);
// The same with a grid made for this call.
torch::Tensor augment(const torch::Tensor& images, const torch::Tensor& draws, AugmentPolicy policy);

}  // namespace genai::train
