#include "genai/error.h"
#include "genai/models/dcgan.h"
#include "genai/models/mlp.h"

namespace genai::models {

std::shared_ptr<Generator> make_generator(const ModelConfig& config) {
  if (config.kind == "mlp") return std::make_shared<MlpGenerator>(config.z_dim, config.g_hidden, config.g_norm == "batch");
  if (config.kind == "dcgan") return std::make_shared<DcganGenerator>(config.z_dim, config.dcgan_channels);
  throw UsageError("model = \"" + config.kind + "\" is unknown; use mlp or dcgan");
}

Gan make_gan(const ModelConfig& config) {
  Gan gan;
  gan.generator = make_generator(config);
  if (config.kind == "mlp") gan.discriminator = std::make_shared<MlpDiscriminator>(config.d_hidden);
  else gan.discriminator = std::make_shared<DcganDiscriminator>(config.dcgan_channels);
  return gan;
}

int64_t parameter_count(torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

}  // namespace genai::models
