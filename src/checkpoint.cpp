#include "genai/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <variant>

#include "genai/config/schema.h"
#include "genai/error.h"
#include "genai/util/atomic_file.h"
#include "genai/util/record_file.h"
#include "genai/util/seeded_init.h"

namespace genai {
namespace {
namespace fs = std::filesystem;

constexpr util::RecordFormat kCheckpointFormat{"GENAI-CHECKPOINT", static_cast<uint32_t>(kCheckpointFormatVersion), "checkpoint",
                                               static_cast<uint32_t>(kOldestReadableCheckpointFormat)};

void write_optimizer(util::RecordWriter& out, const std::string& prefix, const AdamState& optimizer) {
  out.real(prefix + "/lr", optimizer.lr);
  if (optimizer.step_count == 0) return;  // no state before the first step
  for (size_t i = 0; i < optimizer.exp_avg.size(); ++i) {
    const std::string key = prefix + "/" + std::to_string(i);
    out.tensor(key + "/exp_avg", optimizer.exp_avg[i]);
    out.tensor(key + "/exp_avg_sq", optimizer.exp_avg_sq[i]);
    out.integer(key + "/step", optimizer.step_count);
  }
}

// The state of the optimizer of `parameters`; zero moments when the checkpoint has none (step 0).
AdamState load_optimizer(const util::Records& records, const std::string& prefix, const std::vector<torch::Tensor>& parameters) {
  const std::string& path = records.path;
  AdamState state;
  state.lr = records.get<double>(prefix + "/lr");
  if (!(state.lr > 0 && state.lr < 1)) throw file_error(path, "corrupt checkpoint: " + prefix + " learning rate " + std::to_string(state.lr));
  const bool has_moments = records.has(prefix + "/0/step");
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto& parameter = parameters[i];
    if (!has_moments) {
      state.exp_avg.push_back(torch::zeros_like(parameter));
      state.exp_avg_sq.push_back(torch::zeros_like(parameter));
      continue;
    }
    const std::string key = prefix + "/" + std::to_string(i);
    const auto& exp_avg = records.get<torch::Tensor>(key + "/exp_avg");
    const auto& exp_avg_sq = records.get<torch::Tensor>(key + "/exp_avg_sq");
    if (exp_avg.sizes() != parameter.sizes() || exp_avg_sq.sizes() != parameter.sizes() || exp_avg.scalar_type() != parameter.scalar_type() ||
        exp_avg_sq.scalar_type() != parameter.scalar_type())
      throw file_error(path, "\"" + key + "\" does not fit the recorded model");
    const int64_t step = records.get<int64_t>(key + "/step");
    if (step < 1 || (i > 0 && step != state.step_count)) throw file_error(path, "corrupt checkpoint: inconsistent step counts in " + prefix);
    state.step_count = step;
    state.exp_avg.push_back(exp_avg);
    state.exp_avg_sq.push_back(exp_avg_sq);
  }
  return state;
}

// The model spec: the schema's TOML of the model fields (genai/config/schema.h), so a field added to the table is
// saved and read back with no code here. The resolved config ("config") holds them too, but that is the caller's
// text (tests and library users may pass none); the weights need a spec of their own.
constexpr const char* kModelSpecRecord = "model.spec";

void write_model(util::RecordWriter& out, const ModelConfig& model) {
  out.text(kModelSpecRecord, model_toml(model));
  // Set from the training labels, not from the schema: records of their own.
  out.integer("model.classes", model.classes);
  std::string names;
  for (size_t i = 0; i < model.class_names.size(); ++i) names += (i ? "\n" : "") + model.class_names[i];
  out.text("model.class_names", names);
}

ModelConfig read_model_spec(const util::Records& r) {
  const std::string& toml = r.get<std::string>(kModelSpecRecord);
  try {
    return parse_model_config(toml);
  } catch (const std::exception& e) {  // damaged text: whatever the TOML reader makes of it is one clear error
    throw file_error(r.path, std::string("corrupt checkpoint: model spec: ") + e.what());
  }
}

// Checkpoints written before the spec record (genai 0.1 up to the version that added it) hold one record per field.
// Frozen: newer files never come here, so a field added to the schema needs no code here; its ModelConfig default is
// what these files, written before it existed, meant.
ModelConfig read_legacy_model(const util::Records& r) {
  const std::string& path = r.path;
  ModelConfig model;
  const std::string kind = r.get<std::string>("model.kind");
  if (const auto known = find_member<ModelKind>(kind))
    model.kind = *known;
  else
    throw file_error(path, "corrupt checkpoint: model kind \"" + kind + "\" is unknown (a newer genai's?)");
  model.z_dim = r.get<int64_t>("model.z_dim");
  model.g_hidden = r.get<std::vector<int64_t>>("model.g_hidden");
  model.d_hidden = r.get<std::vector<int64_t>>("model.d_hidden");
  const std::string g_norm = r.get<std::string>("model.g_norm");
  if (const auto known = find_member<GeneratorNorm>(g_norm))
    model.g_norm = *known;
  else
    throw file_error(path, "corrupt checkpoint: generator normalization \"" + g_norm + "\" is unknown (a newer genai's?)");
  model.dcgan_channels = r.get<int64_t>("model.dcgan_channels");
  // These were written only when set.
  model.spectral_norm = r.has("model.spectral_norm") && r.get<int64_t>("model.spectral_norm") != 0;
  if (r.has("model.minibatch_stddev")) model.minibatch_stddev = r.get<int64_t>("model.minibatch_stddev");
  if (r.has("model.info_codes")) model.info_codes = r.get<int64_t>("model.info_codes");
  if (r.has("model.clusters")) model.clusters = r.get<int64_t>("model.clusters");
  if (r.has("model.channels")) model.channels = r.get<int64_t>("model.channels");
  if (r.has("model.image_size")) model.image_size = r.get<int64_t>("model.image_size");
  return model;
}

ModelConfig read_model(const util::Records& r) {
  const bool legacy = !r.has(kModelSpecRecord) && r.has("model.kind");
  ModelConfig model = legacy ? read_legacy_model(r) : read_model_spec(r);
  if (r.has("model.classes")) {  // checkpoints from before conditional models have neither
    model.classes = r.get<int64_t>("model.classes");
    const std::string& names = r.get<std::string>("model.class_names");
    for (size_t start = 0; !names.empty() && start <= names.size();) {
      const size_t end = std::min(names.find('\n', start), names.size());
      model.class_names.push_back(names.substr(start, end - start));
      start = end + 1;
    }
  }
  // A checkpoint without a shape (none recorded, or 0: not resolved when it was saved) holds a 1x28x28 model; the
  // meta names the shape it reads as, so no reader has to know that.
  return with_image_shape(model);
}

// Checkpoint files of a run, oldest first (zero-padded step numbers sort by step).
std::vector<fs::path> checkpoint_files(const std::string& run_directory) {
  const fs::path dir = fs::path(run_directory) / "checkpoints";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw file_error(dir.string(), "no checkpoints folder; is " + run_directory + " a genai run directory?");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step_", 0) == 0 && entry.path().extension() == ".pt") files.push_back(entry.path());
  }
  if (files.empty()) throw file_error(dir.string(), "holds no checkpoint (step_*.pt); train longer or pass --checkpoint FILE");
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<uint8_t> wrap_checkpoint_payload(const std::string& payload) { return util::seal_records(kCheckpointFormat, payload); }

std::pair<size_t, size_t> verify_checkpoint_bytes(const std::string& path, const std::vector<uint8_t>& file) {
  return util::verify_sealed(kCheckpointFormat, path, file);
}

std::string checkpoint_file_name(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "step_%08lld.pt", static_cast<long long>(step));
  return name;
}

void save_checkpoint(const std::string& path, const CheckpointMeta& meta, const TrainingState& state) {
  util::RecordWriter out;
  out.integer("format_version", meta.format_version);
  write_model(out, meta.model);
  out.integer("step", meta.step);
  out.integer("epoch", meta.epoch);
  out.integer("batch_in_epoch", meta.batch_in_epoch);
  out.integer("data_seed", static_cast<int64_t>(meta.data_seed));  // the bit pattern of the unsigned seed
  // Only when data-parallel, so a one-process checkpoint stays byte for byte what it was.
  if (meta.world_size != 1) out.integer("world_size", meta.world_size);
  out.text("config", meta.config_toml);
  out.tensor("noise_rng_state", state.noise_rng_state);
  out.module("generator", *state.gan.generator);
  out.module("discriminator", *state.gan.discriminator);
  if (state.ema_generator) {
    out.integer("generator_ema_present", 1);
    out.module("generator_ema", *state.ema_generator);
  }
  write_optimizer(out, "optimizer_g", state.optimizer_g);
  write_optimizer(out, "optimizer_d", state.optimizer_d);
  const auto file = wrap_checkpoint_payload(out.bytes());
  util::write_file_atomically(path, file.data(), file.size());
}

Checkpoint Checkpoint::open(const std::string& path, torch::Device device) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw file_error(path, "no such checkpoint file");
  const auto file = util::read_file(path);
  const auto [offset, length] = verify_checkpoint_bytes(path, file);
  Checkpoint checkpoint;
  checkpoint.path_ = path;
  checkpoint.device_ = device;
  auto records = std::make_shared<util::Records>(util::parse_records(kCheckpointFormat, path, file.data() + offset, length));
  const auto& r = *records;
  CheckpointMeta& meta = checkpoint.meta_;
  meta.format_version = r.get<int64_t>("format_version");
  meta.model = read_model(r);
  meta.step = r.get<int64_t>("step");
  meta.epoch = r.get<int64_t>("epoch");
  meta.batch_in_epoch = r.get<int64_t>("batch_in_epoch");
  meta.data_seed = static_cast<uint64_t>(r.get<int64_t>("data_seed"));
  meta.world_size = r.has("world_size") ? r.get<int64_t>("world_size") : 1;
  meta.config_toml = r.get<std::string>("config");
  std::vector<std::string> problems;
  validate(meta.model, problems);
  if (meta.step < 0 || meta.epoch < 0 || meta.batch_in_epoch < 0) problems.push_back("negative step, epoch or position");
  if (meta.world_size < 1) problems.push_back("world size below 1");
  if (meta.model.classes < 0 || meta.model.classes > 256 || (is_conditional(meta.model.kind) && meta.model.classes < 2))
    problems.push_back("a conditional model with " + std::to_string(meta.model.classes) + " classes");
  if (!meta.model.class_names.empty() && static_cast<int64_t>(meta.model.class_names.size()) != meta.model.classes)
    problems.push_back(std::to_string(meta.model.class_names.size()) + " class names for " + std::to_string(meta.model.classes) + " classes");
  if (!problems.empty()) throw file_error(path, "corrupt checkpoint: " + problems.front());
  checkpoint.records_ = std::move(records);
  return checkpoint;
}

bool Checkpoint::has_ema() const { return records_->has("generator_ema_present"); }

std::shared_ptr<models::Generator> Checkpoint::load_generator(bool use_ema) const {
  std::shared_ptr<models::Generator> generator;
  {
    const util::SeededInit seeded(0);  // the weights are read next: construction must not consume the caller's stream
    generator = models::make_generator(meta_.model);
  }
  records_->load_module(use_ema && has_ema() ? "generator_ema" : "generator", *generator);
  generator->to(device_);
  return generator;
}

void Checkpoint::restore(TrainingState& state) const {
  records_->load_module("generator", *state.gan.generator);
  records_->load_module("discriminator", *state.gan.discriminator);
  if (state.ema_generator) {
    if (!has_ema()) throw file_error(path_, "the run keeps an EMA generator but this checkpoint has none");
    records_->load_module("generator_ema", *state.ema_generator);
  }
  state.optimizer_g = load_optimizer(*records_, "optimizer_g", state.gan.generator->parameters());
  state.optimizer_d = load_optimizer(*records_, "optimizer_d", state.gan.discriminator->parameters());
  state.noise_rng_state = records_->get<torch::Tensor>("noise_rng_state");
}

std::string newest_checkpoint(const std::string& run_directory) { return checkpoint_files(run_directory).back().string(); }

Checkpoint open_newest_valid_checkpoint(const std::string& run_directory, torch::Device device, std::vector<std::string>& skipped) {
  const auto files = checkpoint_files(run_directory);
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    try {
      return Checkpoint::open(it->string(), device);
    } catch (const RuntimeError& e) {
      skipped.push_back(e.what());
    }
  }
  throw file_error((fs::path(run_directory) / "checkpoints").string(),
                   "no valid checkpoint among " + std::to_string(files.size()) + " (newest problem: " + skipped.front() + ")");
}

}  // namespace genai
