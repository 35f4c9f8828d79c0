#include "genai/models/gan.h"
#include "genai/models/minibatch_stddev.h"

namespace genai::models {

torch::Tensor FeatureDiscriminator::features(const torch::Tensor& images) {
  if (spectral_norm_.enabled()) spectral_norm_.refresh(is_training());
  const auto phi = body_features(images);
  return minibatch_stddev_ > 0 ? append_minibatch_stddev(phi, minibatch_stddev_) : phi;
}

}  // namespace genai::models
