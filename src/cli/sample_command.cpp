#include "sample_command.h"

#include <cstdio>
#include <filesystem>

#include "genai/checkpoint.h"
#include "genai/error.h"
#include "genai/image/png.h"
#include "genai/models/sampling.h"
#include "genai/util/device.h"

namespace genai::cli {

CLI::App* add_sample_command(CLI::App& app, SampleOptions& o) {
  auto* cmd = app.add_subcommand("sample", "Write PNG images from a trained generator");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  auto* checkpoint = cmd->add_option("--checkpoint", o.checkpoint, "Checkpoint file (.pt)");
  auto* run = cmd->add_option("--run", o.run, "Run directory: uses its newest checkpoint");
  checkpoint->excludes(run);
  cmd->add_option("-n,--count", o.count, "Number of images")->capture_default_str();
  cmd->add_option("--nrow", o.nrow, "Images per grid row")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Noise seed: the same checkpoint and seed give byte-identical files")->capture_default_str();
  cmd->add_option("--out", o.out, "Grid PNG to write")->capture_default_str();
  cmd->add_option("--individual", o.individual, "Also write one PNG per image into this directory");
  cmd->add_option("--device", o.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  add_verbosity_flags(*cmd, o.verbosity);
  return cmd;
}

int run_sample(const SampleOptions& o) {
  std::vector<std::string> problems;
  if (o.checkpoint.empty() == o.run.empty()) problems.push_back("give exactly one of --checkpoint FILE or --run DIR");
  if (o.count < 1 || o.count > 1000000) problems.push_back("count = " + std::to_string(o.count) + " must be in [1, 1000000]");
  if (o.nrow < 1 || o.nrow > 1024) problems.push_back("nrow = " + std::to_string(o.nrow) + " must be in [1, 1024]");
  if (o.out.empty()) problems.push_back("--out is empty; give a .png path");
  throw_if_problems(problems, "invalid sample options");
  const auto parent = std::filesystem::path(o.out).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
    throw file_error(o.out, "its directory does not exist; create it or choose another --out");
  auto log = make_logger(o.verbosity);
  const torch::Device device = util::resolve_device(o.device);
  std::vector<std::string> skipped;
  const auto checkpoint = o.checkpoint.empty() ? open_newest_valid_checkpoint(o.run, device, skipped) : Checkpoint::open(o.checkpoint, device);
  for (const auto& problem : skipped) log->warn("skipped a bad checkpoint: {}", problem);
  const std::string& path = checkpoint.path();
  auto generator = checkpoint.load_generator();
  log->info("{}: {} generator, step {}", path, checkpoint.meta().model.kind, checkpoint.meta().step);
  const auto all = models::generate_images(*generator, checkpoint.meta().model.z_dim, o.count, o.seed, device);

  image::write_png(o.out, image::make_grid(all, o.nrow));
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
  std::printf("%s\n", o.out.c_str());
  return 0;
}

}  // namespace genai::cli
