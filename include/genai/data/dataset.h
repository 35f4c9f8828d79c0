#pragma once
// The training set held as ONE tensor on the training device, and a seeded batcher that shuffles it
// each epoch by index: a batch is index_select over a slice of the epoch's permutation, with no
// per-sample copies and no host round trip.
#include <torch/torch.h>

#include <cstdint>
#include <random>

#include "genai/data/idx.h"
#include "genai/data/image_set.h"

namespace genai::data {

// The training set on the device as uint8 bytes (a quarter of float32's memory): each batch is converted to
// [-1, 1] as it is drawn (to_unit_range), and the consumers of the whole set (clustering, evaluation) convert it
// with float_images().
struct ImageDataset {
  torch::Tensor images;  // uint8 [N, C, S, S], on the device
  torch::Tensor labels;  // int64 [N], on the device
  int64_t size() const { return images.size(0); }
  ImageShape shape() const { return {images.size(1), images.size(2)}; }
  torch::Tensor float_images() const;  // float32 [N, C, S, S] in [-1, 1]
};

// Pixel bytes to genai's range: p -> p / 127.5 - 1, in float32 (the one definition of that map).
torch::Tensor to_unit_range(const torch::Tensor& bytes);
// The same into `out` (float32, the shape of `bytes`), without allocating.
void to_unit_range_out(torch::Tensor& out, const torch::Tensor& bytes);

// IDX bytes to the device tensors (idx_image_set's checks: 28x28, not empty).
ImageDataset to_dataset(const LabeledImages& source, const std::string& source_name, torch::Device device);
// Any source's images (genai/data/image_set.h) to the device tensors.
ImageDataset to_dataset(const ImageSet& source, torch::Device device);

// Yields batches of `batch_size` indices from a permutation of [0, n) that is a pure function of
// (seed, epoch), so a position (epoch, batch) can be restored exactly. The last partial batch of an
// epoch is dropped so every step sees a full batch (BatchNorm statistics stay comparable).
// Data-parallel training: `shards` processes walk the same permutation in global batches of shards x
// batch_size indices, and shard s takes the s-th slice of each, so the shards are disjoint and together
// they see what one process with the global batch would see.
class ShuffledBatcher {
 public:
  ShuffledBatcher(int64_t dataset_size, int64_t batch_size, uint64_t seed, torch::Device device, int shard = 0, int shards = 1);

  // Indices of the next batch, a view into the epoch's permutation (on the device).
  torch::Tensor next();

  int64_t epoch() const { return epoch_; }
  int64_t batch_in_epoch() const { return batch_; }
  int64_t batches_per_epoch() const { return batches_per_epoch_; }  // global batches
  void seek(int64_t epoch, int64_t batch_in_epoch);
  // Switches to another seed's order (resume) and seeks.
  void reseed(uint64_t seed, int64_t epoch, int64_t batch_in_epoch);
  uint64_t seed() const { return seed_; }

  // The permutation of one epoch (CPU, int64); exposed for tests.
  static torch::Tensor permutation(int64_t n, uint64_t seed, int64_t epoch);

 private:
  void start_epoch(int64_t epoch);

  int64_t dataset_size_;
  int64_t batch_size_;
  int shard_, shards_;
  uint64_t seed_;
  torch::Device device_;
  int64_t batches_per_epoch_;
  int64_t epoch_ = 0;
  int64_t batch_ = 0;
  torch::Tensor order_;
};

}  // namespace genai::data
