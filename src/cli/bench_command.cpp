#include "bench_command.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "genai/error.h"
#include "genai/train/bench.h"
#include "genai/util/atomic_file.h"
#include "genai/util/device.h"

namespace genai::cli {

CLI::App* add_bench_command(CLI::App& app, BenchOptions& o) {
  auto* cmd = app.add_subcommand("bench", "Time the training step (the exact code of `genai train`) on random MNIST-shaped data");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--model", o.model, "mlp | dcgan | all")->capture_default_str();
  cmd->add_option("--batch-size", o.batch_size, "One batch size (0: 1, 64 and 256)")->capture_default_str();
  cmd->add_option("--image-size", o.image_size, "Side of the random square images the step trains on")->capture_default_str();
  cmd->add_option("--channels", o.channels, "Channels of those images: 1 or 3")->capture_default_str();
  cmd->add_option("--seconds", o.seconds, "Length of each timed window")->capture_default_str();
  cmd->add_option("--windows", o.windows, "Timed windows; the median is reported")->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Warm-up seconds, not timed")->capture_default_str();
  cmd->add_option("--threads", o.threads, "CPU cores to use (0: all); genai splits them between LibTorch and BLAS by model")->capture_default_str();
  cmd->add_option("--device", o.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_option_function<std::string>(
         "--g-norm", [&o](const std::string& text) { o.g_norm = *find_member<GeneratorNorm>(text); },
         "mlp generator normalization: " + member_names<GeneratorNorm>() + " (default: batch; none at batch 1)")
      ->check(CLI::IsMember({name(GeneratorNorm::kBatch), name(GeneratorNorm::kNone)}));
  cmd->add_option("--json", o.json, "Also write the results as JSON to this file");
  cmd->add_flag("--lockstep", o.lockstep,
                "Take turns with other benchmark processes: wait for a line on stdin before the warm-up and each window, print a JSON "
                "line after each (scripts/bench_lockstep.py drives it); needs one --model and one --batch-size");
  cmd->add_flag("!--no-keep-memory", o.keep_memory)->group("");                                           // for measuring the allocator setting
  cmd->add_flag("--autograd-step", o.autograd_step)->group("");                                           // for measuring the hand-written MLP step
  cmd->add_option("--thread-split", o.thread_split)->check(CLI::IsMember({"torch", "blas"}))->group("");  // for measuring the plan
  add_verbosity_flags(*cmd, o.verbosity);
  return cmd;
}

namespace {

nlohmann::ordered_json json_result(const train::BenchResult& r, const util::ThreadPlan& threads, const std::string& device) {
  return {{"model", r.model},
          {"g_norm", r.g_norm},
          {"batch_size", r.batch_size},
          {"image_shape", {r.shape.channels, r.shape.size, r.shape.size}},
          {"threads", threads.cores},
          {"intra_op_threads", threads.intra_op},
          {"blas_threads", threads.blas},
          {"device", device},
          {"it_per_s", r.it_per_s},
          {"img_per_s", r.img_per_s},
          {"gflop_per_step", r.flops_per_step / 1e9},
          {"gflop_per_s", r.gflop_per_s},
          {"peak_rss_mb", r.peak_rss_mb},
          {"steps_per_window", r.steps_per_window},
          {"window_it_per_s", r.window_it_per_s}};
}

}  // namespace

int run_bench(const BenchOptions& o) {
  std::vector<std::string> problems;
  if (o.model != "mlp" && o.model != "dcgan" && o.model != "all") problems.push_back("model = \"" + o.model + "\" is unknown; use mlp, dcgan or all");
  if (o.batch_size < 0 || o.batch_size > 65536) problems.push_back("batch-size = " + std::to_string(o.batch_size) + " must be in [0, 65536]");
  if (!(o.seconds > 0 && o.seconds <= 600)) problems.push_back("seconds must be in (0, 600]");
  if (o.windows < 1 || o.windows > 100) problems.push_back("windows = " + std::to_string(o.windows) + " must be in [1, 100]");
  if (!(o.warmup >= 0 && o.warmup <= 600)) problems.push_back("warmup must be in [0, 600]");
  if (o.lockstep && (o.model == "all" || o.batch_size == 0))
    problems.push_back("--lockstep times one case: give --model mlp or dcgan and a --batch-size above 0");
  throw_if_problems(problems, "invalid bench options");
  const torch::Device device = util::resolve_device(o.device);
  if (o.keep_memory) util::keep_freed_memory_in_process();
  std::printf("genai bench | device %s | images %lldx%lldx%lld | BLAS: %s | median of %d x %.1f s windows after %.1f s warm-up\n",
              device.str().c_str(), static_cast<long long>(o.channels), static_cast<long long>(o.image_size), static_cast<long long>(o.image_size),
              util::blas_description().c_str(), o.windows, o.seconds, o.warmup);
  std::printf("%-6s %-6s %5s %10s %11s %12s %9s %9s\n", "model", "g-norm", "batch", "it/s", "img/s", "GFLOP/step", "GFLOP/s", "RSS MB");

  std::vector<nlohmann::ordered_json> results;
  for (const ModelKind kind : {ModelKind::kMlp, ModelKind::kDcgan}) {  // the kinds bench_reference.py times too
    const std::string model = name(kind);
    if (o.model != "all" && o.model != model) continue;
    const std::vector<int64_t> batches = o.batch_size > 0 ? std::vector<int64_t>{o.batch_size} : std::vector<int64_t>{1, 64, 256};
    for (int64_t batch : batches) {
      TrainConfig config;
      config.model.kind = kind;
      config.batch_size = batch;
      config.threads = o.threads;
      config.model.image_size = o.image_size;
      config.model.channels = o.channels;
      if (!is_convolutional(kind)) config.model.g_norm = o.g_norm ? *o.g_norm : batch == 1 ? GeneratorNorm::kNone : GeneratorNorm::kBatch;
      validate(config);
      // Threads are planned per case, as `genai train` plans them (or as --thread-split says).
      const auto split = o.thread_split.empty()     ? util::core_split_for(is_convolutional(kind))
                         : o.thread_split == "blas" ? util::CoreSplit::kBlas
                                                    : util::CoreSplit::kLibTorch;
      const auto threads = util::plan_threads(o.threads, split);
      util::configure_cpu(threads);
      train::BenchSettings settings;
      settings.warmup_seconds = o.warmup;
      settings.window_seconds = o.seconds;
      settings.windows = o.windows;
      settings.hand_written_step = !o.autograd_step;
      if (o.lockstep) {
        settings.wait_turn = [] {
          std::string line;
          if (!std::getline(std::cin, line))
            throw UsageError("--lockstep: standard input closed before this benchmark's turn; run it from scripts/bench_lockstep.py");
        };
        settings.turn_done = [](int window, double it_per_s) {
          const nlohmann::ordered_json turn{{"lockstep", window < 0 ? "warmup" : "window"}, {"window", window}, {"it_per_s", it_per_s}};
          std::printf("%s\n", turn.dump().c_str());
          std::fflush(stdout);
        };
      }
      const auto r = train::benchmark_training_step(config, device, settings);
      std::printf("%-6s %-6s %5lld %10.2f %11.1f %12.5f %9.2f %9.1f  %s\n", model.c_str(), !is_convolutional(kind) ? r.g_norm.c_str() : "-",
                  static_cast<long long>(batch), r.it_per_s, r.img_per_s, r.flops_per_step / 1e9, r.gflop_per_s, r.peak_rss_mb,
                  threads.describe().c_str());
      std::fflush(stdout);
      results.push_back(json_result(r, threads, device.str()));
      if (o.lockstep) {
        auto line = results.back();
        line["lockstep"] = "result";
        std::printf("%s\n", line.dump().c_str());
        std::fflush(stdout);
      }
    }
  }
  if (!o.json.empty()) {
    std::string text = "[\n";  // one result per line: a JSON array that line tools can read too
    for (size_t i = 0; i < results.size(); ++i) text += "  " + results[i].dump() + (i + 1 < results.size() ? ",\n" : "\n");
    util::write_file_atomically(o.json, text + "]\n");
  }
  return 0;
}

}  // namespace genai::cli
