#include "genai/eval/report.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace genai::eval {
namespace {

using Json = nlohmann::ordered_json;  // keys in the order written, for people reading the files

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}
std::string pm(const char* format, MeanStd v) { return fmt(format, v.mean) + " ± " + fmt(format, v.std); }

// `text` followed by spaces up to `width` characters (UTF-8 aware, for "±" and "σ"), and one more.
std::string padded(const std::string& text, size_t width) {
  size_t characters = 0;
  for (unsigned char c : text) characters += (c & 0xC0) != 0x80;
  return text + std::string(characters < width ? width - characters + 1 : 1, ' ');
}

std::string histogram_text(const ModeCoverage& modes) {
  std::string text;
  for (size_t c = 0; c < modes.histogram.size(); ++c) text += (c ? " " : "") + std::to_string(c) + ":" + std::to_string(modes.histogram[c]);
  return text;
}

// The JSON of one metric set. nlohmann writes non-finite numbers as null and every double at full precision.
std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "fd_lenet", or "fd_convnet" for the ConvNet of other shapes.
std::string fd_key(const Scorecard& card) { return "fd_" + lower(card.classifier_network); }

Json metrics_json(const MetricSet& m, const std::string& fd_key) {
  Json j = {{"count", m.count},
            {fd_key, m.frechet_distance},
            {"classifier_score", {{"mean", m.classifier_score.mean}, {"std", m.classifier_score.std}}},
            {"mode_histogram", m.modes.histogram},
            {"modes_covered", m.modes.covered},
            {"mode_kl_to_uniform", m.modes.kl_to_uniform}};
  if (m.kid) j["kid"] = {{"mean", m.kid->mean}, {"std", m.kid->std}};
  if (m.precision_recall) j["precision"] = m.precision_recall->precision, j["recall"] = m.precision_recall->recall;
  if (m.density_coverage) j["density"] = m.density_coverage->density, j["coverage"] = m.density_coverage->coverage;
  if (m.parzen) j["parzen"] = {{"sigma", m.parzen->sigma}, {"mean_nats", m.parzen->mean}, {"standard_error", m.parzen->standard_error}};
  return j;
}

// The LeNet part: the classifier's figures for the scored images and for real training images.
void format_lenet(const Scorecard& card, std::ostringstream& out) {
  const auto& s = card.settings;
  const MetricSet* model = card.model ? &*card.model : nullptr;
  const MetricSet& real = card.real;
  out << "data:       " << card.data << " | " << card.test_count << " test images are the reference for every metric\n";
  out << "classifier: " << (card.classifier_path.empty() ? "(not cached)" : card.classifier_path) << " | test accuracy "
      << fmt("%.2f", 100 * card.classifier_accuracy) << " % | key " << card.classifier_key.substr(0, 16) << "\n";
  const std::string scored_text = card.images.empty() ? std::to_string(card.scored_count) + " generated (noise seed " + std::to_string(s.seed) + ")"
                                                      : std::to_string(card.scored_count) + " images from " + card.images;
  out << "samples:    " << (model ? scored_text : std::string("none")) << " | real baseline: " << card.baseline_count
      << " training images (subset seed " << s.seed << ")\n\n";

  auto line = [&](const std::string& name, const std::string& m, const std::string& r, const std::string& note) {
    out << padded(name, 40) << padded(m, 20) << padded(r, 20) << note << "\n";
  };
  auto both = [&](auto get) { return std::make_pair(model ? get(*model) : std::string("-"), get(real)); };
  line("metric", model ? "generator" : "", "real data", "");
  auto [fd_m, fd_r] = both([](const MetricSet& m) { return fmt("%.4f", m.frechet_distance); });
  const bool same_n = !model || model->count == real.count;
  const std::string& network = card.classifier_network;
  line("FD-" + network + " (n = " + std::to_string(model ? model->count : real.count) + (same_n ? "" : ", real n = " + std::to_string(real.count)) +
           ")",
       fd_m, fd_r, "lower is better; " + network + " features, NOT comparable to Inception FID");
  if (real.kid) {
    auto [m, r] = both([](const MetricSet& x) { return x.kid ? pm("%.5f", *x.kid) : std::string("-"); });
    line("KID (" + std::to_string(s.kid_subsets) + " subsets of " + std::to_string(s.kid_subset_size) + ")", m, r, "lower is better");
  }
  auto [is_m, is_r] = both([](const MetricSet& x) { return pm("%.3f", x.classifier_score); });
  line("classifier score (" + std::to_string(s.score_splits) + " splits)", is_m, is_r,
       "higher is better, at most " + std::to_string(real.modes.histogram.size()) + "; the Inception Score formula");
  auto [cov_m, cov_r] = both([](const MetricSet& x) { return std::to_string(x.modes.covered) + "/" + std::to_string(x.modes.histogram.size()); });
  line("classes covered (>= half share)", cov_m, cov_r, "");
  auto [kl_m, kl_r] = both([](const MetricSet& x) { return fmt("%.4f", x.modes.kl_to_uniform); });
  line("class KL to uniform (nats)", kl_m, kl_r, "0 = every class equally often");
  if (real.precision_recall) {
    const std::string k = std::to_string(s.precision_recall_k);
    auto [pm_, pr_] = both([](const MetricSet& x) { return x.precision_recall ? fmt("%.4f", x.precision_recall->precision) : std::string("-"); });
    line("precision (k = " + k + ")", pm_, pr_, "quality; compare with the real-data column");
    auto [rm, rr] = both([](const MetricSet& x) { return x.precision_recall ? fmt("%.4f", x.precision_recall->recall) : std::string("-"); });
    line("recall (k = " + k + ")", rm, rr, "diversity; compare with the real-data column");
  }
  if (real.density_coverage) {
    const std::string k = std::to_string(s.density_coverage_k);
    auto [dm, dr] = both([](const MetricSet& x) { return x.density_coverage ? fmt("%.4f", x.density_coverage->density) : std::string("-"); });
    line("density (k = " + k + ")", dm, dr, "");
    auto [cm, cr] = both([](const MetricSet& x) { return x.density_coverage ? fmt("%.4f", x.density_coverage->coverage) : std::string("-"); });
    line("coverage (k = " + k + ")", cm, cr, "");
  }
  if (real.parzen) {
    auto [lm, lr] = both(
        [](const MetricSet& x) { return x.parzen ? fmt("%.1f", x.parzen->mean) + " ± " + fmt("%.1f", x.parzen->standard_error) : std::string("-"); });
    auto [sm, sr] = both([](const MetricSet& x) { return x.parzen ? fmt("%.3f", x.parzen->sigma) : std::string("-"); });
    line("Parzen log-likelihood (nats)", lm, lr,
         std::string("weak metric (Theis et al. 2016)") + (network == "LeNet" ? "; on MNIST Goodfellow et al. 2014 report 225 ± 2" : ""));
    line("  Parzen sigma (" + std::to_string(card.validation_count) + " validation images)", sm, sr, "");
  }
  if (card.conditional) {
    const auto& c = *card.conditional;
    out << "\nconditional accuracy (the classifier agrees with the requested class): " << fmt("%.2f", 100 * c.accuracy) << " %\n";
    out << "  class  name          images  accuracy  FD-" << card.classifier_network << " (vs that class's test images)\n";
    for (size_t k = 0; k < c.class_accuracy.size(); ++k) {
      const std::string name = k < card.class_names.size() ? card.class_names[k] : std::to_string(k);
      char row[160];
      std::snprintf(row, sizeof row, "  %5zu  %-12s  %6lld  %7.2f %%  %.4f\n", k, name.c_str(), static_cast<long long>(c.class_counts[k]),
                    100 * c.class_accuracy[k], c.class_frechet_distance[k]);
      out << row;
    }
  }
  if (card.tstr_accuracy)
    out << "\ntrain on synthetic, test on real: the eval classifier's architecture trained on " << card.tstr_images << " generated images reaches "
        << fmt("%.2f", 100 * *card.tstr_accuracy) << " % on the real test set (trained on real data: " << fmt("%.2f", 100 * card.classifier_accuracy)
        << " %)\n";
  out << "\nclass histogram";
  if (model) out << "\n  generator: " << histogram_text(model->modes);
  out << "\n  real data: " << histogram_text(real.modes) << "\n";
}

// One pretrained network's block.
void format_network(const Scorecard& card, const NetworkCard& block, std::ostringstream& out) {
  const auto& s = card.settings;
  const FeatureScores* scored = block.scored ? &*block.scored : nullptr;
  out << "\nfeatures:   " << name(block.network) << ": " << describe(block.network) << "\n";
  out << "            weights " << block.weights << " | " << fmt("%.1f", block.seconds_per_1000) << " s per 1,000 images\n";
  out << "reference:  " << block.reference << " | real-data column: " << block.floor << "\n\n";
  auto line = [&](const std::string& name, const std::string& m, const std::string& r, const std::string& note) {
    out << padded(name, 48) << padded(m, 20) << padded(r, 20) << note << "\n";
  };
  auto both = [&](auto get) { return std::make_pair(scored ? get(*scored) : std::string("-"), get(block.real)); };
  line("metric", scored ? (card.images.empty() ? "generator" : "images") : "", "real data", "");
  const bool inception = block.network == PretrainedNetwork::kInception;
  const std::string n = std::to_string(scored ? scored->count : block.real.count);
  const std::string real_n = !scored || scored->count == block.real.count ? "" : ", real n = " + std::to_string(block.real.count);
  auto [fd_m, fd_r] = both([](const FeatureScores& x) { return fmt("%.4f", x.frechet_distance); });
  line(std::string(inception ? "FID" : "FD-EfficientNet-Lite0") + " (n = " + n + real_n + ")", fd_m, fd_r, "lower is better");
  auto [kid_m, kid_r] = both([](const FeatureScores& x) { return pm("%.5f", x.kid); });
  line("KID (" + std::to_string(s.kid_subsets) + " subsets of " + std::to_string(s.kid_subset_size) + ")", kid_m, kid_r, "lower is better");
  if (inception) {
    auto [is_m, is_r] = both([](const FeatureScores& x) { return x.inception_score ? pm("%.3f", *x.inception_score) : std::string("-"); });
    line("Inception Score (" + std::to_string(s.score_splits) + " splits)", is_m, is_r, "higher is better; the 1008-way logits of the FID network");
  }
  const int64_t neighbours = scored ? scored->neighbour_count : block.real.neighbour_count;
  const std::string counts = ", n = " + std::to_string(neighbours) +
                             (neighbours == block.real.neighbour_count ? "" : ", real n = " + std::to_string(block.real.neighbour_count));
  const std::string k = std::to_string(s.precision_recall_k) + counts, kd = std::to_string(s.density_coverage_k) + counts;
  auto [p_m, p_r] = both([](const FeatureScores& x) { return fmt("%.4f", x.precision_recall.precision); });
  line("precision (k = " + k + ")", p_m, p_r, "quality; compare with the real-data column");
  auto [r_m, r_r] = both([](const FeatureScores& x) { return fmt("%.4f", x.precision_recall.recall); });
  line("recall (k = " + k + ")", r_m, r_r, "diversity; compare with the real-data column");
  auto [d_m, d_r] = both([](const FeatureScores& x) { return fmt("%.4f", x.density_coverage.density); });
  line("density (k = " + kd + ")", d_m, d_r, "");
  auto [c_m, c_r] = both([](const FeatureScores& x) { return fmt("%.4f", x.density_coverage.coverage); });
  line("coverage (k = " + kd + ")", c_m, c_r, "");
}

Json feature_scores_json(PretrainedNetwork network, const FeatureScores& f) {
  Json j = {{"count", f.count},
            {metric_name(network), f.frechet_distance},
            {"kid", {{"mean", f.kid.mean}, {"std", f.kid.std}}},
            {"precision", f.precision_recall.precision},
            {"recall", f.precision_recall.recall},
            {"density", f.density_coverage.density},
            {"coverage", f.density_coverage.coverage},
            {"neighbour_count", f.neighbour_count}};
  if (f.inception_score) j["inception_score"] = {{"mean", f.inception_score->mean}, {"std", f.inception_score->std}};
  return j;
}

}  // namespace

std::string format_scorecard(const Scorecard& card) {
  std::ostringstream out;
  if (!card.checkpoint.empty())
    out << "generator:  " << card.checkpoint << " (" << card.model_kind << ", step " << card.step << (card.ema ? ", EMA weights" : "") << ")\n";
  if (!card.images.empty()) out << "images:     " << card.images << " (" << card.scored_count << " images)\n";
  if (card.lenet)
    format_lenet(card, out);
  else
    out << "data:       " << card.data << "\n";
  for (const auto& block : card.networks) format_network(card, block, out);
  out << "\nCompare " << (card.lenet ? "FD-" + card.classifier_network + ", " : std::string()) << (card.networks.empty() ? "" : "FD, FID, ")
      << "KID only at equal sample counts. Evaluation took " << fmt("%.1f", card.eval_seconds) << " s";
  if (card.classifier_seconds > 0) out << " (plus " << fmt("%.1f", card.classifier_seconds) << " s training the classifier)";
  out << ".\n";
  return out.str();
}

std::string scorecard_json(const Scorecard& card) {
  const auto& s = card.settings;
  Json j = {{"checkpoint", card.checkpoint.empty() ? Json(nullptr) : Json(card.checkpoint)},
            {"model_kind", card.model_kind},
            {"step", card.step},
            {"data", card.data},
            {"samples", card.model ? card.model->count : card.scored_count},
            {"seed", s.seed},
            {"test_count", card.test_count},
            {"baseline_count", card.baseline_count},
            {"parzen_validation_count", card.validation_count},
            {"kid_subsets", s.kid_subsets},
            {"kid_subset_size", s.kid_subset_size},
            {"score_splits", s.score_splits},
            {"precision_recall_k", s.precision_recall_k},
            {"density_coverage_k", s.density_coverage_k},
            {"classifier",
             {{"network", card.classifier_network},
              {"path", card.classifier_path},
              {"key", card.classifier_key},
              {"version", kClassifierVersion},
              {"test_accuracy", card.classifier_accuracy}}},
            {"generator", card.model ? metrics_json(*card.model, fd_key(card)) : Json(nullptr)},
            {"real", metrics_json(card.real, fd_key(card))},
            {"ema", card.ema}};
  if (card.conditional)
    j["conditional"] = {{"accuracy", card.conditional->accuracy},
                        {"class_accuracy", card.conditional->class_accuracy},
                        {"class_" + fd_key(card), card.conditional->class_frechet_distance}};
  if (card.tstr_accuracy) j["tstr"] = {{"images", card.tstr_images}, {"accuracy", *card.tstr_accuracy}};
  if (!card.images.empty()) j["images"] = card.images, j["samples"] = card.scored_count;
  if (!card.lenet)
    j.erase("classifier"), j.erase("generator"), j.erase("real"), j.erase("test_count"), j.erase("baseline_count"),
        j.erase("parzen_validation_count");
  if (!card.networks.empty()) {
    Json networks = Json::array();
    for (const auto& b : card.networks)
      networks.push_back({{"network", name(b.network)},
                          {"weights", b.weights},
                          {"dims", b.dims},
                          {"reference", b.reference},
                          {"reference_count", b.reference_count},
                          {"real_baseline", b.floor},
                          {"scored", b.scored ? feature_scores_json(b.network, *b.scored) : Json(nullptr)},
                          {"real", feature_scores_json(b.network, b.real)},
                          {"seconds_per_1000_images", b.seconds_per_1000}});
    j["networks"] = networks;
  }
  j["eval_seconds"] = card.eval_seconds;
  j["classifier_train_seconds"] = card.classifier_seconds;
  return j.dump();
}

std::string quick_eval_json(int64_t step, const MetricSet& quick, double wall_seconds) {
  return Json{{"step", step},
              {"wall_s", wall_seconds},
              {"eval_samples", quick.count},
              {"fd_lenet", quick.frechet_distance},
              {"classifier_score", quick.classifier_score.mean},
              {"modes_covered", quick.modes.covered},
              {"mode_kl_to_uniform", quick.modes.kl_to_uniform}}
      .dump();
}

std::vector<std::pair<std::string, double>> quick_eval_scalars(const MetricSet& quick) {
  return {{"eval/fd_lenet", quick.frechet_distance},
          {"eval/classifier_score", quick.classifier_score.mean},
          {"eval/modes_covered", static_cast<double>(quick.modes.covered)},
          {"eval/mode_kl_to_uniform", quick.modes.kl_to_uniform}};
}

}  // namespace genai::eval
