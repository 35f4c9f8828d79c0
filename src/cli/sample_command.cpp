#include "sample_command.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>
#include <filesystem>

#include "checkpoint_source.h"
#include "genai/error.h"
#include "genai/export/idx_dataset.h"
#include "genai/image/png.h"
#include "genai/models/conditional.h"
#include "genai/models/sampling.h"
#include "genai/util/device.h"

namespace genai::cli {
namespace {

// "3:8" -> {3, 8}; throws UsageError naming the flag.
std::pair<int64_t, int64_t> parse_pair(const std::string& text, const std::string& flag) {
  const auto colon = text.find(':');
  try {
    size_t used_a = 0, used_b = 0;
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    const long long a = std::stoll(text.substr(0, colon), &used_a);
    const long long b = std::stoll(text.substr(colon + 1), &used_b);
    if (used_a != colon || used_b != text.size() - colon - 1 || a < 0 || b < 0) throw std::invalid_argument("junk");
    return {a, b};
  } catch (const std::exception&) {
    throw UsageError(flag + " \"" + text + "\" is not two non-negative integers A:B (e.g. " + flag + " 3:8)");
  }
}

std::vector<std::pair<int64_t, int64_t>> parse_pairs(const std::string& text, const std::string& flag) {
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (size_t start = 0; start <= text.size();) {
    const size_t end = std::min(text.find(',', start), text.size());
    pairs.push_back(parse_pair(text.substr(start, end - start), flag));
    start = end + 1;
  }
  return pairs;
}

std::string class_range(int64_t classes) { return "the model has classes 0 to " + std::to_string(classes - 1); }

}  // namespace

CLI::App* add_sample_command(CLI::App& app, SampleOptions& o) {
  auto* cmd = app.add_subcommand("sample", "Write PNG images (or an IDX data set) from a trained generator");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_checkpoint_source_options(*cmd, o.checkpoint, o.run);
  cmd->add_option("-n,--count", o.count, "Number of images")->capture_default_str();
  cmd->add_option("--nrow", o.nrow, "Images per grid row (and columns of --class-grid)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Noise seed: the same checkpoint and seed give byte-identical files")->capture_default_str();
  cmd->add_option("--out", o.out, "Grid PNG to write (default grid.png), or the directory for --format idx");
  cmd->add_option("--individual", o.individual, "Also write one PNG per image into this directory");
  cmd->add_option("--device", o.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_option("--format", o.format, "png (a grid) | idx (train-images-idx3-ubyte [+ labels] in --out DIR, loadable with --data DIR)")
      ->capture_default_str();
  cmd->add_flag("--gzip", o.gzip, "--format idx: write gzip-compressed .gz files");
  cmd->add_option("--class", o.only_class, "Conditional models: every image of this class");
  cmd->add_flag("--class-grid", o.class_grid, "Conditional models: one row per class, the same noise in each column");
  cmd->add_option("--interpolate", o.interpolate, "SEED_A:SEED_B[,SEED_C:SEED_D...]: one row per pair, slerp between their latents");
  cmd->add_option("--interpolate-class", o.interpolate_class, "A:B (conditional models): fixed noise, label embedding from class A to B");
  cmd->add_option("--steps", o.steps, "Images per interpolation row")->capture_default_str();
  cmd->add_option("--rows", o.rows, "Rows (noise vectors) of --interpolate-class")->capture_default_str();
  cmd->add_flag("--no-ema", o.no_ema, "Use the raw generator weights even if the checkpoint has EMA weights");
  add_verbosity_flags(*cmd, o.verbosity);
  return cmd;
}

int run_sample(const SampleOptions& o) {
  std::vector<std::string> problems;
  if (o.checkpoint.empty() == o.run.empty()) problems.push_back("give exactly one of --checkpoint FILE or --run DIR");
  if (o.count < 1 || o.count > 1000000) problems.push_back("count = " + std::to_string(o.count) + " must be in [1, 1000000]");
  if (o.nrow < 1 || o.nrow > 1024) problems.push_back("nrow = " + std::to_string(o.nrow) + " must be in [1, 1024]");
  if (o.steps < 2 || o.steps > 100) problems.push_back("steps = " + std::to_string(o.steps) + " must be in [2, 100]");
  if (o.rows < 1 || o.rows > 100) problems.push_back("rows = " + std::to_string(o.rows) + " must be in [1, 100]");
  if (o.format != "png" && o.format != "idx") problems.push_back("format = \"" + o.format + "\" is unknown; use png or idx");
  if (o.format == "idx" && o.out.empty()) problems.push_back("--format idx needs --out DIR, the directory to write the IDX files to");
  const int modes = o.class_grid + !o.interpolate.empty() + !o.interpolate_class.empty() + (o.format == "idx");
  if (modes > 1) problems.push_back("--class-grid, --interpolate, --interpolate-class and --format idx exclude each other; give one");
  if (o.only_class < -1) problems.push_back("class = " + std::to_string(o.only_class) + " must be at least 0");
  throw_if_problems(problems, "invalid sample options");
  const auto interpolation_pairs = o.interpolate.empty() ? std::vector<std::pair<int64_t, int64_t>>{} : parse_pairs(o.interpolate, "--interpolate");
  const auto class_pair = o.interpolate_class.empty() ? std::pair<int64_t, int64_t>{0, 0} : parse_pair(o.interpolate_class, "--interpolate-class");
  const std::string out = o.out.empty() ? "grid.png" : o.out;
  if (o.format == "idx") exporting::check_export_directory(out);
  std::error_code ec;
  const auto parent = std::filesystem::path(out).parent_path();
  if (o.format == "png" && !parent.empty() && !std::filesystem::is_directory(parent, ec))
    throw file_error(out, "its directory does not exist; create it or choose another --out");

  auto log = make_logger(o.verbosity);
  const torch::Device device = util::resolve_device(o.device);
  const auto checkpoint = open_checkpoint_source(o.checkpoint, o.run, device, *log);
  const auto& model = checkpoint.meta().model;
  const bool conditional = models::is_conditional(model.kind);
  const std::string holds = checkpoint.path() + " holds an unconditional " + model.kind + " generator";
  if (!conditional && o.only_class >= 0) throw UsageError("--class needs a conditional model (cmlp or cdcgan); " + holds);
  if (!conditional && o.class_grid) throw UsageError("--class-grid needs a conditional model (cmlp or cdcgan); " + holds);
  if (!conditional && !o.interpolate_class.empty()) throw UsageError("--interpolate-class needs a conditional model (cmlp or cdcgan); " + holds);
  if (conditional && o.only_class >= model.classes)
    throw UsageError("--class " + std::to_string(o.only_class) + " is out of range; " + class_range(model.classes));
  for (int64_t c : {class_pair.first, class_pair.second})
    if (conditional && c >= model.classes)
      throw UsageError("--interpolate-class: class " + std::to_string(c) + " is out of range; " + class_range(model.classes));

  auto generator = checkpoint.load_generator(!o.no_ema);
  const bool ema = !o.no_ema && checkpoint.has_ema();
  log->info("{}: {} generator{}, step {}", checkpoint.path(), model.kind, ema ? " (EMA weights)" : "", checkpoint.meta().step);

  if (o.format == "idx") {
    const auto labels = conditional ? models::balanced_labels(o.count, model.classes, o.only_class) : torch::Tensor();
    const auto written = exporting::export_idx(*generator, model.z_dim, labels, o.count, o.seed, device, out, o.gzip,
                                               [&](const std::string& line) { log->info(line); });
    for (const auto& file : written) std::printf("%s\n", file.c_str());
    return 0;
  }

  torch::Tensor all;
  int64_t columns = o.nrow;
  torch::NoGradGuard no_grad;
  generator->eval();
  if (o.class_grid) {
    // Column c uses noise c in every row; row r is class r: style fixed, class changing.
    const auto z = torch::randn({o.nrow, model.z_dim}, at::detail::createCPUGenerator(o.seed), torch::kFloat32).repeat({model.classes, 1});
    const auto labels = torch::arange(model.classes, torch::kInt64).repeat_interleave(o.nrow);
    all = generator->forward(z.to(device), labels.to(device)).to(torch::kCPU);
    std::string rows;
    for (int64_t c = 0; c < model.classes; ++c)
      rows += (c ? ", " : "") + std::to_string(c) + (model.class_names.empty() ? "" : " " + model.class_names[static_cast<size_t>(c)]);
    log->info("class grid: one row per class ({}), {} noise vectors", rows, o.nrow);
  } else if (!o.interpolate.empty()) {
    std::vector<torch::Tensor> latents;
    for (const auto& [a, b] : interpolation_pairs) {
      const auto za = models::seed_latent(static_cast<uint64_t>(a), model.z_dim), zb = models::seed_latent(static_cast<uint64_t>(b), model.z_dim);
      for (int64_t i = 0; i < o.steps; ++i) latents.push_back(models::slerp(za, zb, static_cast<double>(i) / (o.steps - 1)));
    }
    const auto z = torch::stack(latents);
    const auto labels = conditional ? models::balanced_labels(z.size(0), model.classes, std::max<int64_t>(o.only_class, 0)) : torch::Tensor();
    all = generator->forward(z.to(device), labels.defined() ? labels.to(device) : labels).to(torch::kCPU);
    columns = o.steps;
  } else if (!o.interpolate_class.empty()) {
    const auto [from, to] = class_pair;
    auto& conditional_generator = dynamic_cast<models::ConditionalGenerator&>(*generator);
    const auto ends = conditional_generator.embed(torch::tensor({from, to}, torch::kInt64).to(device));
    const auto z = torch::randn({o.rows, model.z_dim}, at::detail::createCPUGenerator(o.seed), torch::kFloat32).to(device);
    std::vector<torch::Tensor> z_rows, embeddings;
    for (int64_t r = 0; r < o.rows; ++r)
      for (int64_t i = 0; i < o.steps; ++i) {
        const double t = static_cast<double>(i) / (o.steps - 1);
        z_rows.push_back(z[r]);
        embeddings.push_back((1 - t) * ends[0] + t * ends[1]);
      }
    all = conditional_generator.forward_embedded(torch::stack(z_rows), torch::stack(embeddings)).to(torch::kCPU);
    columns = o.steps;
  } else {
    const auto labels = conditional ? models::balanced_labels(o.count, model.classes, o.only_class) : torch::Tensor();
    all = models::generate_images(*generator, model.z_dim, o.count, o.seed, device, labels);
  }

  image::write_png(out, image::make_grid(all, columns));
  if (!o.individual.empty()) {
    std::filesystem::create_directories(o.individual, ec);
    if (ec) throw file_error(o.individual, "cannot create directory: " + ec.message());
    for (int64_t i = 0; i < all.size(0); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(i));
      image::write_png((std::filesystem::path(o.individual) / name).string(), image::to_gray(all[i]));
    }
    log->info("wrote {} images to {}", all.size(0), o.individual);
  }
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace genai::cli
