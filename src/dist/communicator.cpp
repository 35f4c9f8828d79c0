#include "genai/dist/communicator.h"

#include <torch/version.h>

#include <map>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "genai/error.h"
#include "genai/util/format.h"
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace genai::dist {
namespace {

// LibTorch 2.0 split the collectives out of ProcessGroup into Backend, which Gloo and NCCL now implement.
#if TORCH_VERSION_MAJOR >= 2
using GroupBase = c10d::Backend;
#else
using GroupBase = c10d::ProcessGroup;
#endif

std::string one_line(std::string text) {
  const auto end = text.find('\n');
  if (end != std::string::npos) text.erase(end);
  return text;
}

std::string error_text(const std::exception& e) {
  if (const auto* error = dynamic_cast<const c10::Error*>(&e)) return one_line(error->what_without_backtrace());
  return one_line(e.what());
}

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

std::string seconds(std::chrono::milliseconds timeout) { return util::format("{:g} s", static_cast<double>(timeout.count()) / 1000.0); }

}  // namespace

struct Communicator::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<GroupBase> group;
  bool blocking_wait = true;  // Gloo; NCCL's wait only orders the current CUDA stream after the collective
};

Communicator::Communicator(World world, torch::Device device, std::string backend, std::unique_ptr<Group> group, std::chrono::milliseconds timeout)
    : world_(std::move(world)), device_(device), backend_(std::move(backend)), group_(std::move(group)), timeout_(timeout) {}

Communicator::~Communicator() = default;

std::unique_ptr<Communicator> Communicator::connect(const World& world, torch::Device device, std::chrono::milliseconds timeout) {
  int port = world.master_port;
  bool leader_serves = !world.store_served_by_launcher;
#if TORCH_VERSION_MAJOR < 2
  // LibTorch 1.x's store client predates the protocol of torchrun 2.x's store server (which expects a handshake
  // first and drops the connection without it): rank 0 serves a store of its own on the next port instead.
  if (world.store_served_by_launcher) port = world.master_port + 1, leader_serves = true;
#endif
  const std::string where = world.master_addr + ":" + std::to_string(port);
  auto group = std::make_unique<Group>();
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<uint16_t>(port);
  store_options.isServer = world.leader() && leader_serves;
  store_options.numWorkers = static_cast<size_t>(world.world_size);
  store_options.waitWorkers = false;  // the process group's rendezvous below waits for everyone, with the timeout
  store_options.timeout = timeout;
  try {
    group->store = c10::make_intrusive<c10d::TCPStore>(world.master_addr, store_options);
  } catch (const std::exception& e) {
    const std::string fix = store_options.isServer ? "is MASTER_PORT free on this machine? pick another one"
                                                   : "is rank 0 running, and is MASTER_ADDR:MASTER_PORT reachable from here?";
    throw RuntimeError("rank " + std::to_string(world.rank) + " could not " + (store_options.isServer ? "serve" : "reach") +
                       " the rendezvous store at " + where + " within " + seconds(timeout) + " (" + error_text(e) + "); " + fix);
  }
  std::string backend;
  try {
    if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      group->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(group->store, world.rank, world.world_size, options);
      group->blocking_wait = false;
      backend = "nccl";
#else
      throw UsageError(
          "this genai was built without NCCL, so several processes cannot train on CUDA; use --device cpu or a build "
          "against the torch wheel (scripts/build-gpu-server.sh)");
#endif
    } else {
      auto options = c10::make_intrusive<c10d::ProcessGroupGloo::Options>(timeout);
      if (!world.network_interface.empty()) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(world.network_interface));
      } else if (is_loopback(world.master_addr)) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      options->threads = 1;  // one collective at a time: a second Gloo thread would only take a core from the step
      group->group = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, world.rank, world.world_size, options);
      backend = "gloo";
    }
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw RuntimeError("rank " + std::to_string(world.rank) + " could not form the process group of " + std::to_string(world.world_size) +
                       " ranks at " + where + " within " + seconds(timeout) + " (" + error_text(e) +
                       "); did every rank start, with the same WORLD_SIZE? (--dist-timeout sets the wait)");
  }
  return std::unique_ptr<Communicator>(new Communicator(world, device, backend, std::move(group), timeout));
}

void Communicator::fail(const std::string& what, const std::string& cause) const {
  // Gloo and NCCL name addresses, not ranks; with two ranks the culprit is the other one.
  const std::string peer = world_.world_size == 2 ? "rank " + std::to_string(1 - world_.rank) : "another rank";
  throw RuntimeError("rank " + std::to_string(world_.rank) + " lost " + peer + " during " + what + " (" + cause + "); " + peer +
                     " exited, crashed or stalled for longer than --dist-timeout " + seconds(timeout_) + ": see its log and exit status");
}

void Communicator::all_reduce_sum(torch::Tensor& tensor, const char* what, int64_t step) {
  one_tensor_.resize(1);
  one_tensor_.front() = tensor;
  try {
    auto work = group_->group->allreduce(one_tensor_, c10d::AllreduceOptions{});
    if (group_->blocking_wait) {
      work->wait(timeout_);
    } else {
      work->wait();
    }
  } catch (const std::exception& e) {
    fail(step >= 0 ? std::string(what) + " at step " + std::to_string(step) : std::string(what), error_text(e));
  }
}

void Communicator::broadcast_from_leader(const std::vector<torch::Tensor>& tensors, const std::string& what) {
  // One collective per dtype over a flat copy (parameters and BatchNorm's float statistics, its int64 counters).
  std::map<int, std::vector<torch::Tensor>> by_type;
  for (const auto& t : tensors) by_type[static_cast<int>(t.scalar_type())].push_back(t);
  torch::NoGradGuard no_grad;
  for (auto& [type, group] : by_type) {
    std::vector<torch::Tensor> flat_parts;
    for (const auto& t : group) flat_parts.push_back(t.reshape({-1}));
    std::vector<at::Tensor> flat{torch::cat(flat_parts)};
    try {
      c10d::BroadcastOptions options;
      options.rootRank = 0;
      auto work = group_->group->broadcast(flat, options);
      if (group_->blocking_wait) {
        work->wait(timeout_);
      } else {
        work->wait();
      }
    } catch (const std::exception& e) {
      fail(what, error_text(e));
    }
    int64_t offset = 0;
    for (auto& t : group) {
      t.copy_(flat.front().narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

void Communicator::barrier(const std::string& what) {
  auto token = torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat32).device(device_));
  all_reduce_sum(token, what.c_str());
  (void)token.item<float>();  // NCCL's wait only orders the stream: reading the result makes the host wait too
}

}  // namespace genai::dist
