#include "genai/models/sample_modes.h"

#include <gtest/gtest.h>

#include "genai/error.h"
#include "genai/models/sampling.h"

namespace genai::models {
namespace {

ModelConfig small(ModelKind kind) {
  ModelConfig m;
  m.kind = kind;
  m.z_dim = 8;
  m.g_hidden = {16};
  m.d_hidden = {16};
  if (is_conditional(kind)) m.classes = 3;
  return m;
}

TEST(SampleModes, EachModeGivesItsImagesAndColumns) {
  torch::manual_seed(3);
  const auto model = small(ModelKind::kCmlp);
  auto generator = make_generator(model);
  SamplePlan plan;
  plan.mode = SamplePlan::Mode::kClassGrid;
  plan.nrow = 4;
  auto page = draw_samples(*generator, model, plan, torch::kCPU);
  EXPECT_EQ(page.images.sizes(), (std::vector<int64_t>{12, 1, 28, 28}));
  EXPECT_EQ(page.columns, 4);
  EXPECT_NE(page.description.find("one row per class (0, 1, 2)"), std::string::npos) << page.description;

  plan.mode = SamplePlan::Mode::kInterpolate;
  plan.seed_pairs = {{1, 2}, {3, 4}};
  plan.steps = 5;
  page = draw_samples(*generator, model, plan, torch::kCPU);
  EXPECT_EQ(page.images.size(0), 10);
  EXPECT_EQ(page.columns, 5);
  // The row of pair (1, 2) starts at seed 1's latent and ends at seed 2's.
  torch::NoGradGuard no_grad;
  generator->eval();
  const auto labels = torch::zeros({1}, torch::kInt64);
  EXPECT_TRUE(torch::allclose(page.images[0], generator->forward(seed_latent(1, 8).unsqueeze(0), labels)[0], 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(page.images[4], generator->forward(seed_latent(2, 8).unsqueeze(0), labels)[0], 1e-5, 1e-6));

  plan.mode = SamplePlan::Mode::kInterpolateClass;
  plan.rows = 2;
  plan.class_pair = {0, 2};
  page = draw_samples(*generator, model, plan, torch::kCPU);
  EXPECT_EQ(page.images.size(0), 10);

  plan.mode = SamplePlan::Mode::kImages;
  plan.count = 7;
  plan.seed = 5;
  page = draw_samples(*generator, model, plan, torch::kCPU);
  EXPECT_TRUE(torch::equal(page.images, generate_images(*generator, 8, 7, 5, torch::kCPU, balanced_labels(7, 3))));
}

TEST(SampleModes, APlanThatDoesNotFitTheModelNamesTheFlag) {
  const auto expect_error = [](const SamplePlan& plan, const ModelConfig& model, const std::string& words) {
    try {
      check_sample_plan(plan, model, "c.pt");
      FAIL() << "no error for " << words;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  SamplePlan plan;
  plan.only_class = 1;
  expect_error(plan, small(ModelKind::kMlp), "--class needs a conditional model (cmlp or cdcgan); c.pt holds an unconditional mlp generator");
  plan.only_class = 3;
  expect_error(plan, small(ModelKind::kCmlp), "--class 3 is out of range; the model has classes 0 to 2");
  plan.only_class = -1;
  plan.mode = SamplePlan::Mode::kInterpolateClass;
  plan.class_pair = {0, 5};
  expect_error(plan, small(ModelKind::kCmlp), "--interpolate-class: class 5 is out of range");
  EXPECT_NO_THROW(check_sample_plan(SamplePlan{}, small(ModelKind::kDcgan), "c.pt"));
}

}  // namespace
}  // namespace genai::models
