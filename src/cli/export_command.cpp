#include "export_command.h"

#include <cstdio>
#include <filesystem>

#include "checkpoint_source.h"
#include "genai/error.h"
#include "genai/export/generator_weights.h"

namespace genai::cli {

CLI::App* add_export_command(CLI::App& app, ExportOptions& o) {
  auto* cmd = app.add_subcommand("export", "Write a trained generator as safetensors, for Python PyTorch (scripts/genai_torch.py)");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_checkpoint_source_options(*cmd, o.checkpoint, o.run);
  cmd->add_option("--out", o.out, "The .safetensors file to write (replaced if it exists)");
  cmd->add_flag("--no-ema", o.no_ema, "Export the raw generator weights even if the checkpoint has EMA weights");
  add_verbosity_flags(*cmd, o.verbosity);
  return cmd;
}

int run_export(const ExportOptions& o) {
  std::vector<std::string> problems;
  if (o.checkpoint.empty() == o.run.empty()) problems.push_back("give exactly one of --checkpoint FILE or --run DIR");
  if (o.out.empty()) problems.push_back("--out FILE is required (e.g. --out generator.safetensors)");
  throw_if_problems(problems, "invalid export options");
  std::error_code ec;
  const auto parent = std::filesystem::path(o.out).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
    throw file_error(o.out, "its directory does not exist; create it or choose another --out");
  if (std::filesystem::is_directory(o.out, ec))
    throw file_error(o.out, "is a directory; give a file name such as " + o.out + "/generator.safetensors");

  auto log = make_logger(o.verbosity);
  const auto checkpoint = open_checkpoint_source(o.checkpoint, o.run, torch::kCPU, *log);
  const bool ema = !o.no_ema && checkpoint.has_ema();
  auto generator = checkpoint.load_generator(ema);
  const auto& model = checkpoint.meta().model;
  const size_t count = exporting::export_generator(o.out, *generator, model, {checkpoint.meta().step, ema});
  log->info("{}: {} generator{}, step {} -> {} ({} tensors)", checkpoint.path(), name(model.kind), ema ? " (EMA weights)" : "",
            checkpoint.meta().step, o.out, count);
  std::printf("%s\n", o.out.c_str());
  return 0;
}

}  // namespace genai::cli
