#include "genai/data/dataset.h"

#include "genai/error.h"
#include "genai/image_shape.h"

namespace genai::data {

torch::Tensor ImageDataset::float_images() const { return to_unit_range(images); }

torch::Tensor to_unit_range(const torch::Tensor& bytes) { return bytes.to(torch::kFloat32).div_(127.5).sub_(1.0); }

void to_unit_range_out(torch::Tensor& out, const torch::Tensor& bytes) { out.copy_(bytes).div_(127.5).sub_(1.0); }

ImageDataset to_dataset(const LabeledImages& source, const std::string& source_name, torch::Device device) {
  return to_dataset(idx_image_set(source, source_name), device);
}

ImageDataset to_dataset(const ImageSet& source, torch::Device device) {
  ImageDataset dataset;
  // One upload of one byte per pixel (on the CPU, the set's own tensor).
  dataset.images = source.images.to(device).contiguous();
  dataset.labels = source.labels.to(device).to(torch::kInt64);
  return dataset;
}

ShuffledBatcher::ShuffledBatcher(int64_t dataset_size, int64_t batch_size, uint64_t seed, torch::Device device, int shard, int shards)
    : dataset_size_(dataset_size),
      batch_size_(batch_size),
      shard_(shard),
      shards_(shards),
      seed_(seed),
      device_(device),
      batches_per_epoch_(batch_size > 0 && shards > 0 ? dataset_size / (batch_size * shards) : 0) {
  if (batches_per_epoch_ < 1 && shards > 1)
    throw UsageError("the global batch, batch-size " + std::to_string(batch_size) + " x " + std::to_string(shards) +
                     " processes, is larger than the dataset (" + std::to_string(dataset_size) + " images); use a batch size of at most " +
                     std::to_string(dataset_size / shards));
  if (batches_per_epoch_ < 1)
    throw UsageError("batch-size = " + std::to_string(batch_size) + " is larger than the dataset (" + std::to_string(dataset_size) +
                     " images); use a batch size of at most " + std::to_string(dataset_size));
  start_epoch(0);
}

torch::Tensor ShuffledBatcher::permutation(int64_t n, uint64_t seed, int64_t epoch) {
  // Fisher-Yates with a 64-bit Mersenne twister seeded from (seed, epoch): fully specified by the C++
  // standard, so the order is the same on every platform and LibTorch version.
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(epoch),
                    static_cast<uint32_t>(static_cast<uint64_t>(epoch) >> 32), 0x9e3779b9u};
  std::mt19937_64 rng(seq);
  auto order = torch::arange(n, torch::kInt64);
  int64_t* p = order.data_ptr<int64_t>();
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return order;
}

void ShuffledBatcher::start_epoch(int64_t epoch) {
  epoch_ = epoch;
  batch_ = 0;
  // One host-to-device copy per epoch, never per step.
  order_ = permutation(dataset_size_, seed_, epoch).to(device_);
}

torch::Tensor ShuffledBatcher::next() {
  if (batch_ == batches_per_epoch_) start_epoch(epoch_ + 1);
  return order_.narrow(0, ((batch_++) * shards_ + shard_) * batch_size_, batch_size_);
}

void ShuffledBatcher::seek(int64_t epoch, int64_t batch_in_epoch) {
  start_epoch(epoch);
  batch_ = batch_in_epoch;
}

void ShuffledBatcher::reseed(uint64_t seed, int64_t epoch, int64_t batch_in_epoch) {
  seed_ = seed;
  seek(epoch, batch_in_epoch);
}

}  // namespace genai::data
