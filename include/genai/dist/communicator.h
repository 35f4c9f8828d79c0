#pragma once
// The collectives a data-parallel training needs, on c10d, the engine of PyTorch's own DistributedDataParallel:
// NCCL for CUDA devices, Gloo for the CPU, joined through a TCPStore at the World's MASTER_ADDR:MASTER_PORT. The
// c10d headers stay in communicator.cpp. Every call is bounded by the timeout given to connect(): a peer that
// died or stalls makes the call throw RuntimeError (naming the rank where it can tell), never hang.
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "genai/dist/world.h"

namespace genai::dist {

class Communicator {
 public:
  // Joins the process group of `world` on `device`; waits at most `timeout` for the others to join.
  static std::unique_ptr<Communicator> connect(const World& world, torch::Device device, std::chrono::milliseconds timeout);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return world_.rank; }
  int size() const { return world_.world_size; }
  const std::string& backend() const { return backend_; }

  // Sums `tensor` over all ranks, in place. On CUDA the work is queued on the current stream (no host wait).
  // `what` and `step` name the collective in errors only ("the all-reduce of D's gradients", 15): nothing is
  // formatted or allocated by genai on the way of a successful call.
  void all_reduce_sum(torch::Tensor& tensor, const char* what, int64_t step = -1);
  // Copies rank 0's values into `tensors` on every rank (one collective per dtype).
  void broadcast_from_leader(const std::vector<torch::Tensor>& tensors, const std::string& what);
  // Waits until every rank got here.
  void barrier(const std::string& what);

 private:
  struct Group;
  Communicator(World world, torch::Device device, std::string backend, std::unique_ptr<Group> group, std::chrono::milliseconds timeout);
  [[noreturn]] void fail(const std::string& what, const std::string& cause) const;
  std::vector<at::Tensor> one_tensor_;  // c10d takes a vector: one, reused by every all-reduce

  World world_;
  torch::Device device_;
  std::string backend_;
  std::unique_ptr<Group> group_;
  std::chrono::milliseconds timeout_;
};

}  // namespace genai::dist
