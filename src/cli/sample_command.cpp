#include "sample_command.h"

#include <cstdio>
#include <filesystem>

#include "checkpoint_source.h"
#include "genai/error.h"
#include "genai/export/idx_dataset.h"
#include "genai/image/png.h"
#include "genai/models/sample_modes.h"
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
  cmd->add_option("--format", o.format,
                  "png (a grid) | idx (1x28x28: train-images-idx3-ubyte [+ labels] in --out DIR) | folder (one PNG per image in --out DIR, "
                  "class subfolders for conditional models); --data DIR reads both back")
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
  if (o.format != "png" && o.format != "idx" && o.format != "folder")
    problems.push_back("format = \"" + o.format + "\" is unknown; use png, idx or folder");
  if ((o.format == "idx" || o.format == "folder") && o.out.empty())
    problems.push_back("--format " + o.format + " needs --out DIR, the directory to write the files to");
  const int modes = o.class_grid + !o.interpolate.empty() + !o.interpolate_class.empty() + (o.format != "png");
  if (modes > 1) problems.push_back("--class-grid, --interpolate, --interpolate-class and --format idx|folder exclude each other; give one");
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
  if (o.format == "idx" && image_shape(model) != kMnistShape)
    throw UsageError("--format idx writes 1x28x28 images; " + checkpoint.path() + " makes " + image_shape(model).describe() +
                     " ones: use --format folder (PNG files that --data reads back)");
  models::SamplePlan plan;
  plan.mode = o.class_grid                   ? models::SamplePlan::Mode::kClassGrid
              : !o.interpolate.empty()       ? models::SamplePlan::Mode::kInterpolate
              : !o.interpolate_class.empty() ? models::SamplePlan::Mode::kInterpolateClass
                                             : models::SamplePlan::Mode::kImages;
  plan.count = o.count;
  plan.nrow = o.nrow;
  plan.seed = o.seed;
  plan.only_class = o.only_class;
  plan.seed_pairs = interpolation_pairs;
  plan.class_pair = class_pair;
  plan.steps = o.steps;
  plan.rows = o.rows;
  models::check_sample_plan(plan, model, checkpoint.path());

  auto generator = checkpoint.load_generator(!o.no_ema);
  const bool ema = !o.no_ema && checkpoint.has_ema();
  log->info("{}: {} generator{}, step {}", checkpoint.path(), name(model.kind), ema ? " (EMA weights)" : "", checkpoint.meta().step);

  if (o.format == "idx") {
    const auto labels = is_conditional(model.kind) ? models::balanced_labels(o.count, model.classes, o.only_class) : torch::Tensor();
    const auto written = exporting::export_idx(*generator, model.z_dim, labels, o.count, o.seed, device, out, o.gzip,
                                               [&](const std::string& line) { log->info(line); });
    for (const auto& file : written) std::printf("%s\n", file.c_str());
    return 0;
  }
  if (o.format == "folder") {
    const auto labels = is_conditional(model.kind) ? models::balanced_labels(o.count, model.classes, o.only_class) : torch::Tensor();
    std::printf("%s\n", exporting::export_image_folder(*generator, model.z_dim, labels, o.count, o.seed, device, out, model.class_names,
                                                       [&](const std::string& line) { log->info(line); })
                            .c_str());
    return 0;
  }

  const auto page = models::draw_samples(*generator, model, plan, device);
  if (!page.description.empty()) log->info(page.description);
  image::write_png(out, image::make_grid(page.images, page.columns));
  if (!o.individual.empty()) {
    image::write_pngs(o.individual, page.images);
    log->info("wrote {} images to {}", page.images.size(0), o.individual);
  }
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace genai::cli
