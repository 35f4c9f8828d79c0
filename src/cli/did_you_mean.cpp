#include "did_you_mean.h"

#include <algorithm>
#include <sstream>

namespace genai::cli {

size_t edit_distance(const std::string& a, const std::string& b) {
  // Optimal string alignment: insertions, deletions, substitutions and swaps of neighbours ("trian").
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    const size_t d = edit_distance(word, candidate);
    if (d == 0) return "";  // a known name: not a typo
    if (d < best_distance) best_distance = d, best = candidate;
  }
  return best;
}

namespace {

// Words of CLI11's own messages, never the user's typo: "argument" is two edits from "augment".
bool is_message_word(const std::string& word) {
  static const char* const kWords[] = {"argument", "arguments", "following", "expected", "option", "options", "required", "requires", "extras"};
  return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* w) { return word == w; });
}

}  // namespace

std::string did_you_mean(const std::string& message, const CLI::App& app, const CLI::App* subcommand) {
  std::vector<std::string> flags, subcommands;
  for (const CLI::App* command : {&app, subcommand}) {
    if (!command) continue;
    for (const CLI::Option* option : command->get_options())
      for (const auto& name : option->get_lnames()) flags.push_back(name);
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) subcommands.push_back(sub->get_name());

  // Words of the message, with the leading dashes of flags and the "train." of config keys removed.
  std::string text = message;
  for (char& c : text)
    if (c == ':' || c == '"' || c == ';' || c == ',' || c == '(' || c == ')') c = ' ';
  // Words written as flags first: the message's own words ("argument") must not win over the typo ("--batch-sise").
  std::istringstream in(text);
  std::vector<std::pair<std::string, bool>> words;  // (word, written as a flag)
  for (std::string word; in >> word;) words.emplace_back(word, word.rfind("--", 0) == 0);
  std::stable_partition(words.begin(), words.end(), [](const auto& w) { return w.second; });
  const bool config_key = message.find("config key") != std::string::npos;
  for (auto [word, was_flag] : words) {
    word.erase(0, word.find_first_not_of('-'));
    const auto dot = word.rfind('.');
    if (dot != std::string::npos) word = word.substr(dot + 1);
    if (word.size() < 3 || is_message_word(word)) continue;
    if (auto flag = closest_match(word, flags); !flag.empty()) return " (did you mean " + (config_key ? "" : std::string("--")) + flag + "?)";
    if (!was_flag && subcommand == nullptr)
      if (auto sub = closest_match(word, subcommands); !sub.empty()) return " (did you mean " + sub + "?)";
  }
  return "";
}

}  // namespace genai::cli
