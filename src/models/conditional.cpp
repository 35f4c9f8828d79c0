#include "genai/models/conditional.h"

#include "genai/error.h"

namespace genai::models {

ConditionalGenerator::ConditionalGenerator(std::shared_ptr<Generator> inner, int64_t classes)
    : inner_(register_module("inner", std::move(inner))), classes_(classes) {
  embedding_ = register_module("label_embedding", torch::nn::Embedding(classes, kLabelEmbeddingDim));  // N(0, 1), like z
}

torch::Tensor ConditionalGenerator::embed(const torch::Tensor& labels) { return embedding_(labels); }

torch::Tensor ConditionalGenerator::forward_embedded(const torch::Tensor& z, const torch::Tensor& embedding) {
  return inner_->forward(torch::cat({z, embedding}, 1));
}

torch::Tensor ConditionalGenerator::forward(const torch::Tensor& z, const torch::Tensor& labels) {
  TORCH_CHECK(labels.defined(), "a conditional generator needs labels");
  return forward_embedded(z, embed(labels));
}

ProjectionDiscriminator::ProjectionDiscriminator(std::shared_ptr<FeatureDiscriminator> inner, int64_t classes)
    : inner_(register_module("inner", std::move(inner))) {
  embedding_ = register_module("label_projection", torch::nn::Embedding(classes, inner_->feature_dim()));
  torch::NoGradGuard no_grad;
  embedding_->weight.normal_(0.0, 0.02);  // starts close to the unconditional discriminator
}

torch::Tensor ProjectionDiscriminator::forward(const torch::Tensor& images, const torch::Tensor& labels) {
  TORCH_CHECK(labels.defined(), "a conditional discriminator needs labels");
  const auto phi = inner_->features(images);
  return inner_->head(phi).view({-1}) + (embedding_(labels) * phi).sum(1);
}

}  // namespace genai::models
