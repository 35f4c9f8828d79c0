// genai: the command-line shell over genai_core. It wires the subcommands and is the ONE place where
// errors become messages and exit codes: 0 success, 2 usage or config error, 1 runtime failure.
#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "bench_command.h"
#include "did_you_mean.h"
#include "eval_command.h"
#include "export_command.h"
#include "genai/error.h"
#include "genai/util/build_info.h"
#include "sample_command.h"
#include "train_command.h"

namespace {

int fail(int code, const std::string& message) {
  const std::string first_line = message.substr(0, message.find('\n'));
  std::fprintf(stderr, "genai: error: %s\n", first_line.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"genai: train GANs on 28x28 images, sample from them and evaluate them"};
  // The LibTorch it was built against and runs with, CUDA and the BLAS: what a bug report needs first.
  app.set_version_flag("--version", [] {
    std::string text = genai::util::describe(genai::util::build_info());
    return text.substr(0, text.size() - 1);  // CLI11 adds the final newline
  });
  app.set_config("--config", "", "TOML file with [train] / [sample] / [eval] sections; command-line flags override it");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a mistyped key must not be silently ignored
  app.fallthrough();                                        // `genai train --config FILE` as well as `genai --config FILE train`
  app.require_subcommand(1, 1);

  genai::cli::TrainOptions train_options;
  train_options.argv = argv;
  genai::cli::SampleOptions sample_options;
  auto* train = genai::cli::add_train_command(app, train_options);
  auto* sample = genai::cli::add_sample_command(app, sample_options);
  genai::cli::BenchOptions bench_options;
  auto* bench = genai::cli::add_bench_command(app, bench_options);
  genai::cli::EvalOptions eval_options;
  auto* eval = genai::cli::add_eval_command(app, eval_options);
  genai::cli::ExportOptions export_options;
  auto* export_ = genai::cli::add_export_command(app, export_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* active = app.get_subcommands().empty() ? nullptr : app.get_subcommands().front();
    std::string message = e.what();
    // CLI11 words an unknown config key as "INI was not able to parse <section>.<key>".
    if (const auto at = message.find("INI was not able to parse "); at != std::string::npos) {
      const std::string key = message.substr(at + 26);
      message = key.rfind('[', 0) == 0 ? "malformed config line \"" + key + "\": a section header needs its closing ]"
                                       : "unknown config key \"" + key + "\"";
    }
    if (!active && !app.remaining().empty())
      message = "unknown subcommand \"" + app.remaining().front() + "\"; use train, sample, eval, bench or export";
    const std::string suggestion = genai::cli::did_you_mean(message, app, active);
    return fail(2,
                message + (suggestion.empty() ? " (see " + std::string(active ? "genai " + active->get_name() : "genai") + " --help)" : suggestion));
  }

  try {
    if (*train) return genai::cli::run_train(train_options);
    if (*sample) return genai::cli::run_sample(sample_options);
    if (*bench) return genai::cli::run_bench(bench_options);
    if (*eval) return genai::cli::run_eval(eval_options);
    if (*export_) return genai::cli::run_export(export_options);
    return fail(2, "no subcommand; use train, sample, eval, bench or export (see genai --help)");
  } catch (const genai::UsageError& e) {
    return fail(2, e.what());
  } catch (const genai::RuntimeError& e) {
    return fail(1, e.what());
  } catch (const c10::Error& e) {
    return fail(1, e.what_without_backtrace());
  } catch (const std::exception& e) {
    return fail(1, e.what());
  }
}
