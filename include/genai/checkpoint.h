#pragma once
// Full training state in one file: G, D, both Adam states, step, epoch, data position, the noise RNG
// state, the model spec, the resolved config and a format version, written atomically (temp file,
// fsync, rename).
//
// The format is genai's own, not a LibTorch archive: LibTorch's reader parses TorchScript and crashed
// (SIGSEGV) on damaged archives in our mutation tests, and its Adam state is keyed by memory addresses,
// so two identical states gave different bytes. Here a 32-byte header (magic, payload length, CRC-32,
// format version) is followed by named records (tensors, integers, strings); every length is checked
// against the bytes that remain before anything is allocated, and identical states give identical files.
#include <torch/torch.h>

#include <memory>
#include <string>

#include "genai/config.h"
#include "genai/models/gan.h"

namespace genai {

// 2: the model spec is one record (model.spec, the schema's model fields) instead of one record per field; files of
// format 1 are still read.
inline constexpr int64_t kCheckpointFormatVersion = 2;
inline constexpr int64_t kOldestReadableCheckpointFormat = 1;

struct CheckpointMeta {
  int64_t format_version = kCheckpointFormatVersion;
  ModelConfig model;  // saved as the schema's model fields (genai/config/schema.h); read back with its shape set
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t batch_in_epoch = 0;
  uint64_t data_seed = 0;   // the data order is a function of (data_seed, epoch)
  int64_t world_size = 1;   // processes that trained it (data-parallel); batch_in_epoch counts global batches
  std::string config_toml;  // the resolved TrainConfig, for people and for resume
};

// An Adam optimizer's state as named tensors: the checkpoint stores it without knowing the optimizer's class.
struct AdamState {
  double lr = 0;
  int64_t step_count = 0;                          // 0: before the first step, no moments recorded
  std::vector<torch::Tensor> exp_avg, exp_avg_sq;  // one per parameter of its network, in parameters() order
};

// What a training run hands to save_checkpoint / has filled by restore.
struct TrainingState {
  models::Gan gan;
  std::shared_ptr<models::Generator> ema_generator;  // nullptr: no EMA
  AdamState optimizer_g, optimizer_d;
  torch::Tensor noise_rng_state;  // ByteTensor from at::Generator::get_state()
};

void save_checkpoint(const std::string& path, const CheckpointMeta& meta, const TrainingState& state);

namespace util {
struct Records;
}

class Checkpoint {
 public:
  // Opens and validates the file (format version, model spec). Tensors are mapped to `device`.
  static Checkpoint open(const std::string& path, torch::Device device = torch::kCPU);

  const CheckpointMeta& meta() const { return meta_; }
  const std::string& path() const { return path_; }

  // A generator of the recorded architecture with the saved weights, on the archive's device: the EMA
  // weights when the checkpoint has them and `use_ema`, else the raw ones.
  std::shared_ptr<models::Generator> load_generator(bool use_ema = true) const;
  bool has_ema() const;

  // Loads G, D (and the EMA generator) into the modules of `state`, built from meta().model, and fills both
  // optimizer states (moments checked against the networks' parameters) and the RNG state.
  void restore(TrainingState& state) const;

 private:
  std::string path_;
  CheckpointMeta meta_;
  torch::Device device_ = torch::kCPU;
  std::shared_ptr<const util::Records> records_;
};

// The newest checkpoint (highest step) in a run directory's checkpoints/ folder; throws RuntimeError
// when there is none.
std::string newest_checkpoint(const std::string& run_directory);

// The newest checkpoint of the run that opens and validates. Each newer one that fails is described in
// `skipped` ("<path>: <problem>"). Throws RuntimeError when none is good.
Checkpoint open_newest_valid_checkpoint(const std::string& run_directory, torch::Device device, std::vector<std::string>& skipped);

// The on-disk container: a header with the payload's length and CRC-32, then the payload. Exposed for
// tests. verify_checkpoint_bytes returns the payload's (offset, length) or throws RuntimeError.
std::vector<uint8_t> wrap_checkpoint_payload(const std::string& payload);
std::pair<size_t, size_t> verify_checkpoint_bytes(const std::string& path, const std::vector<uint8_t>& file);

// "checkpoints/step_00001200.pt" for step 1200.
std::string checkpoint_file_name(int64_t step);

}  // namespace genai
