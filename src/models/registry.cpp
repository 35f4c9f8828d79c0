#include "genai/error.h"
#include "genai/models/conditional.h"
#include "genai/models/dcgan.h"
#include "genai/models/latent_code.h"
#include "genai/models/mlp.h"

namespace genai::models {

namespace {

void check_classes(const ModelConfig& config) {
  if (is_conditional(config.kind) && config.classes < 2)
    throw RuntimeError(std::string("model = \"") + name(config.kind) + "\" needs labelled data with at least 2 classes (got " +
                       std::to_string(config.classes) + ")");
}

}  // namespace

std::shared_ptr<Generator> make_generator(const ModelConfig& config) {
  check_classes(config);
  const int64_t extra = is_conditional(config.kind) || config.info_codes > 0 || config.clusters > 0 ? kLabelEmbeddingDim : 0;
  const ImageShape shape = image_shape(config);
  std::shared_ptr<Generator> generator;
  if (is_convolutional(config.kind))
    generator = std::make_shared<DcganGenerator>(config.z_dim + extra, config.dcgan_channels, shape);
  else
    generator = std::make_shared<MlpGenerator>(config.z_dim + extra, config.g_hidden, uses_batch_norm(config.g_norm), shape);
  if (is_conditional(config.kind)) return std::make_shared<ConditionalGenerator>(generator, config.classes);
  if (config.info_codes > 0) return std::make_shared<LatentCodeGenerator>(generator, config.info_codes);
  if (config.clusters > 0) return std::make_shared<LatentCodeGenerator>(generator, config.clusters, /*weighted=*/true);
  return generator;
}

Gan make_gan(const ModelConfig& config) {
  Gan gan;
  gan.generator = make_generator(config);
  std::shared_ptr<FeatureDiscriminator> discriminator;
  if (is_convolutional(config.kind))
    discriminator = std::make_shared<DcganDiscriminator>(config.dcgan_channels, image_shape(config), config.minibatch_stddev);
  else
    discriminator = std::make_shared<MlpDiscriminator>(config.d_hidden, image_shape(config), config.minibatch_stddev);
  if (config.spectral_norm) discriminator->use_spectral_norm();
  if (is_conditional(config.kind))
    gan.discriminator = std::make_shared<ProjectionDiscriminator>(discriminator, config.classes);
  else if (config.clusters > 0)
    gan.discriminator = std::make_shared<ProjectionDiscriminator>(discriminator, config.clusters);
  else if (config.info_codes > 0)
    gan.discriminator = std::make_shared<CodeDiscriminator>(discriminator, config.info_codes);
  else
    gan.discriminator = discriminator;
  return gan;
}

int64_t parameter_count(torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

}  // namespace genai::models
