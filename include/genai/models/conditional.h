#pragma once
// Class-conditional GANs (--model cmlp, cdcgan), trained with the dataset's labels.
// - The generator joins a learned label embedding to z and runs an unconditional generator of the same
//   family on the joined vector (so cmlp and cdcgan share everything else with mlp and dcgan).
// - The discriminator is a projection discriminator (Miyato & Koyama 2018): logit = head(phi(x)) +
//   <embed(y), phi(x)>, on the features phi of the unconditional discriminator. Projection rather than
//   concatenating the label to the input: it is what conditional GANs since SNGAN/BigGAN use, and it
//   conditions every feature instead of one extra input channel.
#include "genai/models/gan.h"

namespace genai::models {

inline constexpr int64_t kLabelEmbeddingDim = 32;

class ConditionalGenerator : public Generator {
 public:
  // `inner` takes z_dim + kLabelEmbeddingDim inputs.
  ConditionalGenerator(std::shared_ptr<Generator> inner, int64_t classes);
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;
  int64_t classes() const override { return classes_; }
  // The label embedding, and G on a given embedding (for interpolating between classes).
  torch::Tensor embed(const torch::Tensor& labels);
  torch::Tensor forward_embedded(const torch::Tensor& z, const torch::Tensor& embedding);

 private:
  std::shared_ptr<Generator> inner_;
  torch::nn::Embedding embedding_{nullptr};
  int64_t classes_;
};

class ProjectionDiscriminator : public Discriminator {
 public:
  ProjectionDiscriminator(std::shared_ptr<FeatureDiscriminator> inner, int64_t classes);
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& labels = {}) override;

 private:
  std::shared_ptr<FeatureDiscriminator> inner_;
  torch::nn::Embedding embedding_{nullptr};
};

}  // namespace genai::models
