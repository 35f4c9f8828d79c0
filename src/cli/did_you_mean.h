#pragma once
// Suggestions for mistyped flags, config keys and subcommands ("did you mean --batch-size?").
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace genai::cli {

// Edit distance counting insertions, deletions, substitutions and neighbour swaps as 1 each.
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` when it is close enough to be a typo (at most a third of its letters
// changed, at least one); "" otherwise.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean --batch-size?)" for the first unknown word in a CLI11 error message, or "".
std::string did_you_mean(const std::string& message, const CLI::App& app, const CLI::App* subcommand);

}  // namespace genai::cli
