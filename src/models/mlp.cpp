#include "genai/models/mlp.h"

#include "genai/models/activation.h"

namespace genai::models {

MlpGenerator::MlpGenerator(int64_t z_dim, const std::vector<int64_t>& hidden, bool batch_norm, const ImageShape& shape) : shape_(shape) {
  int64_t in = z_dim;
  for (int64_t width : hidden) {
    body_->push_back(torch::nn::Linear(in, width));
    if (batch_norm) body_->push_back(torch::nn::BatchNorm1d(width));
    body_->push_back(leaky_relu());
    in = width;
  }
  body_->push_back(torch::nn::Linear(in, shape.values()));
  body_->push_back(torch::nn::Tanh());
  register_module("body", body_);
}

torch::Tensor MlpGenerator::forward(const torch::Tensor& z, const torch::Tensor&) {
  return body_->forward(z).view({-1, shape_.channels, shape_.size, shape_.size});
}

MlpDiscriminator::MlpDiscriminator(const std::vector<int64_t>& hidden, const ImageShape& shape, int64_t minibatch_stddev)
    : FeatureDiscriminator(minibatch_stddev), values_(shape.values()), body_feature_dim_(hidden.empty() ? values_ : hidden.back()) {
  int64_t in = values_;
  for (int64_t width : hidden) {
    body_->push_back(torch::nn::Linear(in, width));
    body_->push_back(leaky_relu());
    in = width;
  }
  body_->push_back(torch::nn::Linear(feature_dim(), 1));
  register_module("body", body_);
}

torch::Tensor MlpDiscriminator::body_features(const torch::Tensor& images) {
  auto x = images.reshape({images.size(0), values_});
  auto layer = body_->begin();
  for (size_t i = 0; i + 1 < body_->size(); ++i, ++layer) x = layer->forward(x);
  return x;
}

torch::Tensor MlpDiscriminator::head(const torch::Tensor& features) { return (body_->end() - 1)->forward(features); }

}  // namespace genai::models
