#pragma once
// The train config's ONE schema: every key with its flag and TOML name, help text, whether a resumed run may
// change it, and where it lives in TrainConfig. From this table come the `genai train` flags (add_train_options),
// the TOML writer (to_toml, also --print-config) and reader (parse_train_config, which the library uses to read
// a run's saved config), the per-field checks of validate() (ranges; closed sets are enums parsed with their flag), the resume merge
// (resumed_config) and the model spec that checkpoints and exports carry (model_fields). Adding a key is one line in
// src/config/schema.cpp; only a rule that ties two fields together goes into validate() by hand.
#include <functional>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "genai/config.h"

namespace CLI {
class App;
}

namespace genai {

// Where a field lives: a function from the config to the member (captureless lambdas convert to these).
using TrainFieldRef = std::variant<int64_t& (*)(TrainConfig&), uint64_t& (*)(TrainConfig&), double& (*)(TrainConfig&), bool& (*)(TrainConfig&),
                                   std::string& (*)(TrainConfig&), std::vector<int64_t>& (*)(TrainConfig&), ModelKind& (*)(TrainConfig&),
                                   Loss& (*)(TrainConfig&), GeneratorNorm& (*)(TrainConfig&), Augment& (*)(TrainConfig&), OnNan& (*)(TrainConfig&)>;

// What values a number (or each element of a list) accepts: [min, max], an end open when its flag says so. `note`
// explains a special value ("0: use epochs"). Closed sets need no check: their enum holds only members.
struct FieldCheck {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false, max_open = false;
  const char* note = nullptr;
};

struct TrainField {
  const char* key;  // the flag is --key, the TOML key is key
  const char* help;
  bool resumable;  // a resumed run may change it (an output or a stopping rule, never what is learned)
  TrainFieldRef ref;
  FieldCheck check = {};  // none: any value
};

// In the order of the TOML file.
const std::vector<TrainField>& train_fields();

// The model spec: the fields that live in TrainConfig::model, which a checkpoint's and an export's weights need to be
// rebuilt. Checkpoints (model_toml) and exports (genai/export/generator_weights.h) write them from this list, so a new
// model field is one line in the table. `classes` and `class_names` are no fields: the training labels set them.
bool is_model_field(const TrainField& field);
// The model fields, in the order of the table.
const std::vector<const TrainField*>& model_fields();

// The field's value as TOML writes it ("64", "\"mlp\"", "[256, 128]", "0.0002", "true").
std::string toml_value(const TrainField& field, const TrainConfig& config);

// Calls `visit(value)` with a const reference to the field's value in `config` and returns what it returns (the same
// type for every field type). The accessors take a mutable config because the flag parser writes through them.
template <class Visit>
decltype(auto) visit_value(const TrainField& field, const TrainConfig& config, Visit&& visit) {
  auto& c = const_cast<TrainConfig&>(config);
  return std::visit(
      [&](auto ref) -> decltype(auto) {
        const auto& value = ref(c);
        return visit(value);
      },
      field.ref);
}

// The model fields as a TOML [train] section ("[train]\nmodel = \"mlp\"\nz-dim = 100\n..."): what a checkpoint
// stores as its model spec. parse_model_config (or parse_train_config) reads it back.
std::string model_toml(const ModelConfig& model);
// The model of a config TOML: model_toml's text or a whole config (a checkpoint's or a run's config.toml). A field the
// text lacks (a file older than the field) keeps its default; classes and class names stay empty. Throws RuntimeError
// as parse_train_config does.
ModelConfig parse_model_config(const std::string& toml);

// Appends one problem per field whose value breaks its check, worded "batch-size = 0 must be in [1, 65536]".
void check_fields(const TrainConfig& config, std::vector<std::string>& problems);
// The check as help text shows it: "[1, 65536]", "(0, 1)", ">= 0", "" (none).
std::string describe(const FieldCheck& check);

// Registers one option per field on `command` (a CLI11 subcommand), writing into `config`.
void add_train_options(CLI::App& command, TrainConfig& config);

// A TrainConfig from the TOML text genai saved (config.toml, or the copy inside a checkpoint). Throws
// RuntimeError when it does not parse (unknown keys included).
TrainConfig parse_train_config(const std::string& toml);

// `asked` with every key the user did not give (`given(key)` false) taken from model_defaults(asked.model.kind).
// A given info-codes keeps the kind's clusters off (both are G's discrete code).
TrainConfig with_model_defaults(const TrainConfig& asked, const std::function<bool(const std::string&)>& given);
// For help text: "mlp: r1 = 10.0, ema-decay = 0.999; dcgan: ..." (what model_defaults changes, per kind).
std::string model_defaults_summary();

// A resumed run's config: `saved`, with each key the user gave (`given(key)`) taken from `asked` when it is
// resumable. A given non-resumable key whose value differs is a UsageError naming it, both values and
// `checkpoint_path`. `out` comes from `asked`.
TrainConfig resumed_config(const TrainConfig& saved, const TrainConfig& asked, const std::function<bool(const std::string&)>& given,
                           const std::string& checkpoint_path);

}  // namespace genai
