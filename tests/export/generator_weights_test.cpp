// genai export's file: every parameter and buffer under its module name, the spec in the metadata, and
// a generator rebuilt from the file alone draws the same images (the Python side: tests/python/export_test.py).
#include "genai/export/generator_weights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "genai/config/schema.h"
#include "genai/models/sampling.h"
#include "genai/util/safetensors.h"
#include "support.h"

namespace genai::exporting {
namespace {
using namespace models;  // NOLINT: the test builds generators of every kind

ModelConfig small(const std::string& kind) {
  ModelConfig m;
  m.kind = model_kind(kind);
  m.z_dim = 12;
  m.g_hidden = {16, 8};
  m.dcgan_channels = 4;
  if (is_conditional(m.kind)) m.classes = 3;
  return m;
}

class GeneratorExport : public ::testing::TestWithParam<const char*> {};

TEST_P(GeneratorExport, RebuildsTheSameGeneratorFromTheFileAlone) {
  genai::testing::TempDir dir;
  const ModelConfig model = small(GetParam());
  torch::manual_seed(3);
  auto generator = make_generator(model);
  {  // non-trivial BatchNorm statistics, as after training
    torch::NoGradGuard no_grad;
    const auto labels = is_conditional(model.kind) ? balanced_labels(32, model.classes) : torch::Tensor();
    generator->forward(torch::randn({32, model.z_dim}), labels);
  }
  const size_t count = export_generator(dir.file("g.safetensors"), *generator, model, {1234, true});
  const auto contents = util::read_safetensors(dir.file("g.safetensors"));
  EXPECT_EQ(contents.tensors.size(), count);
  EXPECT_EQ(count, generator->named_parameters().size() + generator->named_buffers().size());

  const auto spec = nlohmann::json::parse(contents.metadata.at("genai"));
  EXPECT_EQ(spec.at("kind"), name(model.kind));
  EXPECT_EQ(spec.at("z_dim"), 12);
  EXPECT_EQ(spec.at("classes"), model.classes);
  EXPECT_EQ(spec.at("step"), 1234);
  EXPECT_EQ(spec.at("ema"), true);
  EXPECT_EQ(contents.metadata.at("format"), "pt");

  torch::manual_seed(99);  // other initial weights: only the file can make them equal
  auto rebuilt = make_generator(model);
  auto parameters = rebuilt->named_parameters();
  auto buffers = rebuilt->named_buffers();
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : contents.tensors) {
    if (auto* p = parameters.find(name))
      p->copy_(tensor);
    else if (auto* b = buffers.find(name))
      b->copy_(tensor);
    else
      ADD_FAILURE() << "no module tensor named " << name;
  }
  const auto labels = is_conditional(model.kind) ? balanced_labels(20, model.classes) : torch::Tensor();
  EXPECT_TRUE(torch::equal(generate_images(*rebuilt, model.z_dim, 20, 5, torch::kCPU, labels),
                           generate_images(*generator, model.z_dim, 20, 5, torch::kCPU, labels)));
}

INSTANTIATE_TEST_SUITE_P(Kinds, GeneratorExport, ::testing::Values("mlp", "dcgan", "cmlp", "cdcgan"));

// The spec holds every model field of the schema under its flag's name with '_' for '-' ("kind" for "model"), so a
// new field reaches genai_torch.py with no code of its own: each field set alone to another value changes its key.
TEST(GeneratorSpec, HoldsEveryModelFieldOfTheSchema) {
  const auto key_of = [](const TrainField& field) {
    std::string key = field.key;
    if (key == "model") return std::string("kind");
    std::replace(key.begin(), key.end(), '-', '_');
    return key;
  };
  ModelConfig base = small("mlp");
  base.d_hidden = {8};
  base.channels = 1;  // resolved, as in a checkpoint: another channels or image-size then shows in the spec
  base.image_size = 28;
  const auto base_spec = nlohmann::json::parse(generator_spec_json(base, {}));
  const auto variants = genai::testing::model_field_variants(base);
  ASSERT_EQ(variants.size(), model_fields().size());
  for (const auto& variant : variants) {
    const std::string key = key_of(*variant.field);
    const auto spec = nlohmann::json::parse(generator_spec_json(variant.model, {}));
    ASSERT_TRUE(base_spec.contains(key)) << key;
    EXPECT_NE(spec.at(key), base_spec.at(key)) << key;
  }
  // Today's keys, which genai_torch.py and users read, as they were.
  EXPECT_EQ(base_spec.at("kind"), "mlp");
  EXPECT_EQ(base_spec.at("z_dim"), 12);
  EXPECT_EQ(base_spec.at("g_hidden").get<std::vector<int64_t>>(), std::vector<int64_t>({16, 8}));
  EXPECT_EQ(base_spec.at("g_norm"), "batch");
  EXPECT_EQ(base_spec.at("dcgan_channels"), 4);
  EXPECT_EQ(base_spec.at("info_codes"), 0);
  EXPECT_EQ(base_spec.at("clusters"), 0);
  EXPECT_EQ(base_spec.at("classes"), 0);
  EXPECT_EQ(base_spec.at("image_shape").get<std::vector<int64_t>>(), std::vector<int64_t>({1, 28, 28}));
  EXPECT_EQ(base_spec.at("label_embedding_dim"), 0);
  EXPECT_EQ(base_spec.at("format"), "genai-generator");
  EXPECT_EQ(base_spec.at("format_version"), 1);
}

}  // namespace
}  // namespace genai::exporting
