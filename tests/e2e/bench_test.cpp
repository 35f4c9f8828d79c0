// `genai bench --lockstep` and scripts/bench_lockstep.py, which drives it next to Python references: a window
// runs only after a line on stdin, every turn is reported, and the driver's medians are the windows'.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using genai::testing::read_text;

namespace {

const std::string kCase = "--device cpu --model mlp --batch-size 4 --seconds 0.05 --windows 2 --warmup 0";

struct Run {
  int exit_code;
  std::vector<nlohmann::json> records;  // stdout's JSON lines
  std::string err;
};

// genai bench --lockstep with `lines` lines on stdin, then end of input.
Run bench_with_turns(int lines, const std::string& arguments = kCase) {
  const fs::path dir = fs::temp_directory_path() / ("genai_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string input;
  for (int i = 0; i < lines; ++i) input += "go\\n";
  const std::string command = "printf '" + input + "' | '" + genai::testing::genai_binary() + "' bench --lockstep " + arguments + " >'" +
                              (dir / "out").string() + "' 2>'" + (dir / "err").string() + "'";
  const int status = std::system(command.c_str());
  Run run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, {}, read_text((dir / "err").string())};
  std::istringstream out(read_text((dir / "out").string()));
  for (std::string line; std::getline(out, line);)
    if (!line.empty() && line[0] == '{') run.records.push_back(nlohmann::json::parse(line));
  fs::remove_all(dir);
  return run;
}

}  // namespace

TEST(Bench, LockstepRunsOneTurnPerLineAndReportsEach) {
  const auto run = bench_with_turns(3);  // warm-up and two windows
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.records.size(), 4u);
  EXPECT_EQ(run.records[0]["lockstep"], "warmup");
  EXPECT_EQ(run.records[1]["lockstep"], "window");
  EXPECT_EQ(run.records[1]["window"], 0);
  EXPECT_EQ(run.records[2]["window"], 1);
  const auto& result = run.records[3];
  EXPECT_EQ(result["lockstep"], "result");
  EXPECT_EQ(result["model"], "mlp");
  EXPECT_EQ(result["batch_size"], 4);
  // The result's windows are the turns reported, and its rate is their median (of two: the upper one).
  ASSERT_EQ(result["window_it_per_s"].size(), 2u);
  EXPECT_EQ(result["window_it_per_s"][0].get<double>(), run.records[1]["it_per_s"].get<double>());
  EXPECT_EQ(result["window_it_per_s"][1].get<double>(), run.records[2]["it_per_s"].get<double>());
  EXPECT_EQ(result["it_per_s"].get<double>(), std::max(run.records[1]["it_per_s"].get<double>(), run.records[2]["it_per_s"].get<double>()));
  EXPECT_GT(result["it_per_s"].get<double>(), 0);
}

TEST(Bench, LockstepWaitsForItsTurnAndStopsWhenInputEnds) {
  const auto run = bench_with_turns(1);  // the warm-up's turn only: no window may run
  EXPECT_EQ(run.exit_code, 2);
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records[0]["lockstep"], "warmup");
  EXPECT_EQ(run.err, "genai: error: --lockstep: standard input closed before this benchmark's turn; run it from scripts/bench_lockstep.py\n");
}

TEST(Bench, LockstepTimesOneCase) {
  const auto run = bench_with_turns(3, "--device cpu --model all --batch-size 4");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(run.records.empty());
  EXPECT_NE(run.err.find("--lockstep times one case: give --model mlp or dcgan and a --batch-size above 0"), std::string::npos) << run.err;
}

// The driver, as scripts/bench.sh runs it: two contenders, three rounds; a third that fails is reported, not fatal.
TEST(Bench, LockstepDriverAlternatesWindowsAndReportsMedians) {
  const fs::path dir = fs::temp_directory_path() / ("genai_bench_driver_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string genai =
      "'" + genai::testing::genai_binary() + "' bench --lockstep --device cpu --model mlp --batch-size 4 --seconds 0.05 --windows 3 --warmup 0";
  const std::string command = "python3 '" + genai::testing::source_dir() + "/scripts/bench_lockstep.py' --rounds 3 --pause 0 --out '" +
                              (dir / "out.jsonl").string() + "' \"a=" + genai + "\" \"b=" + genai + " --threads 1\" \"broken=" + genai +
                              " --model all\" >'" + (dir / "stdout").string() + "' 2>'" + (dir / "stderr").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << read_text((dir / "stderr").string());
  std::istringstream lines(read_text((dir / "out.jsonl").string()));
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(lines, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    const auto& r = records[i];
    EXPECT_EQ(r["label"], i == 0 ? "a" : "b");
    ASSERT_EQ(r["windows"].size(), 3u);
    std::vector<double> windows = r["windows"].get<std::vector<double>>();
    std::sort(windows.begin(), windows.end());
    EXPECT_EQ(r["result"]["it_per_s"].get<double>(), windows[1]);  // the median of the three turns
    if (i == 1) {
      EXPECT_EQ(r["result"]["threads"], 1);
    }
  }
  EXPECT_EQ(records[2]["label"], "broken");
  EXPECT_TRUE(records[2]["result"].is_null());
  const auto printed = read_text((dir / "stdout").string());
  EXPECT_NE(printed.find("broken: failed"), std::string::npos) << printed;
  EXPECT_NE(printed.find("--lockstep times one case"), std::string::npos) << printed;
  // Each round's line lists both working contenders.
  const auto rounds = read_text((dir / "stderr").string());
  EXPECT_NE(rounds.find("round 3: a "), std::string::npos) << rounds;
  fs::remove_all(dir);
}
