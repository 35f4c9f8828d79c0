#include "genai/models/sample_modes.h"

#include <ATen/CPUGeneratorImpl.h>

#include "genai/error.h"
#include "genai/models/conditional.h"
#include "genai/models/sampling.h"

namespace genai::models {
namespace {

std::string class_range(int64_t classes) { return "the model has classes 0 to " + std::to_string(classes - 1); }

torch::Tensor class_grid(Generator& generator, const ModelConfig& model, const SamplePlan& plan, torch::Device device, std::string& description) {
  // Column c uses noise c in every row; row r is class r: style fixed, class changing.
  const auto z = torch::randn({plan.nrow, model.z_dim}, at::detail::createCPUGenerator(plan.seed), torch::kFloat32).repeat({model.classes, 1});
  const auto labels = torch::arange(model.classes, torch::kInt64).repeat_interleave(plan.nrow);
  std::string rows;
  for (int64_t c = 0; c < model.classes; ++c)
    rows += (c ? ", " : "") + std::to_string(c) + (model.class_names.empty() ? "" : " " + model.class_names[static_cast<size_t>(c)]);
  description = "class grid: one row per class (" + rows + "), " + std::to_string(plan.nrow) + " noise vectors";
  return generator.forward(z.to(device), labels.to(device)).to(torch::kCPU);
}

torch::Tensor seed_interpolations(Generator& generator, const ModelConfig& model, const SamplePlan& plan, torch::Device device) {
  std::vector<torch::Tensor> latents;
  for (const auto& [a, b] : plan.seed_pairs) {
    const auto za = seed_latent(static_cast<uint64_t>(a), model.z_dim), zb = seed_latent(static_cast<uint64_t>(b), model.z_dim);
    for (int64_t i = 0; i < plan.steps; ++i) latents.push_back(slerp(za, zb, static_cast<double>(i) / static_cast<double>(plan.steps - 1)));
  }
  const auto z = torch::stack(latents);
  const auto labels =
      is_conditional(model.kind) ? balanced_labels(z.size(0), model.classes, std::max<int64_t>(plan.only_class, 0)).to(device) : torch::Tensor();
  return generator.forward(z.to(device), labels).to(torch::kCPU);
}

torch::Tensor class_interpolations(Generator& generator, const ModelConfig& model, const SamplePlan& plan, torch::Device device) {
  const auto [from, to] = plan.class_pair;
  auto& conditional = dynamic_cast<ConditionalGenerator&>(generator);
  const auto ends = conditional.embed(torch::tensor({from, to}, torch::kInt64).to(device));
  const auto z = torch::randn({plan.rows, model.z_dim}, at::detail::createCPUGenerator(plan.seed), torch::kFloat32).to(device);
  std::vector<torch::Tensor> z_rows, embeddings;
  for (int64_t r = 0; r < plan.rows; ++r)
    for (int64_t i = 0; i < plan.steps; ++i) {
      const double t = static_cast<double>(i) / static_cast<double>(plan.steps - 1);
      z_rows.push_back(z[r]);
      embeddings.push_back((1 - t) * ends[0] + t * ends[1]);
    }
  return conditional.forward_embedded(torch::stack(z_rows), torch::stack(embeddings)).to(torch::kCPU);
}

}  // namespace

void check_sample_plan(const SamplePlan& plan, const ModelConfig& model, const std::string& source) {
  using Mode = SamplePlan::Mode;
  const bool conditional = is_conditional(model.kind);
  if (!conditional) {
    const std::string holds = "; " + source + " holds an unconditional " + name(model.kind) + " generator";
    if (plan.only_class >= 0) throw UsageError("--class needs a conditional model (cmlp or cdcgan)" + holds);
    if (plan.mode == Mode::kClassGrid) throw UsageError("--class-grid needs a conditional model (cmlp or cdcgan)" + holds);
    if (plan.mode == Mode::kInterpolateClass) throw UsageError("--interpolate-class needs a conditional model (cmlp or cdcgan)" + holds);
    return;
  }
  if (plan.only_class >= model.classes)
    throw UsageError("--class " + std::to_string(plan.only_class) + " is out of range; " + class_range(model.classes));
  if (plan.mode == Mode::kInterpolateClass)
    for (int64_t c : {plan.class_pair.first, plan.class_pair.second})
      if (c >= model.classes) throw UsageError("--interpolate-class: class " + std::to_string(c) + " is out of range; " + class_range(model.classes));
}

SamplePage draw_samples(Generator& generator, const ModelConfig& model, const SamplePlan& plan, torch::Device device) {
  torch::NoGradGuard no_grad;
  EvalModeGuard eval_mode(generator);
  SamplePage page;
  page.columns = plan.nrow;
  switch (plan.mode) {
    case SamplePlan::Mode::kClassGrid:
      page.images = class_grid(generator, model, plan, device, page.description);
      break;
    case SamplePlan::Mode::kInterpolate:
      page.images = seed_interpolations(generator, model, plan, device);
      page.columns = plan.steps;
      break;
    case SamplePlan::Mode::kInterpolateClass:
      page.images = class_interpolations(generator, model, plan, device);
      page.columns = plan.steps;
      break;
    case SamplePlan::Mode::kImages: {
      const auto labels = is_conditional(model.kind) ? balanced_labels(plan.count, model.classes, plan.only_class) : torch::Tensor();
      page.images = generate_images(generator, model.z_dim, plan.count, plan.seed, device, labels);
      break;
    }
  }
  return page;
}

}  // namespace genai::models
