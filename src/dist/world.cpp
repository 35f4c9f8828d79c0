#include "genai/dist/world.h"

#include <cctype>
#include <cstdlib>

#include "genai/error.h"

namespace genai::dist {
namespace {

// Slurm gives no port: one derived from the job id, so that every task of a step computes the same one and two
// jobs sharing a node rarely collide. MASTER_PORT, when set (e.g. in the batch script), wins.
constexpr int kSlurmPortBase = 20000;
constexpr int kSlurmPortRange = 20000;

struct Reader {
  const Environment& environment;

  std::optional<std::string> text(const std::string& name) const {
    auto value = environment(name);
    if (value && value->empty()) return std::nullopt;
    return value;
  }

  std::optional<long long> integer(const std::string& name, long long min, long long max, const std::string& hint) const {
    const auto value = text(name);
    if (!value) return std::nullopt;
    char* end = nullptr;
    const long long number = std::strtoll(value->c_str(), &end, 10);
    if (end == value->c_str() || *end != '\0' || number < min || number > max)
      throw UsageError(name + "=" + *value + " is not a whole number in [" + std::to_string(min) + ", " + std::to_string(max) + "]; " + hint);
    return number;
  }
};

void check_rank(const World& world, const std::string& rank_variable, const std::string& size_variable) {
  if (world.rank >= world.world_size)
    throw UsageError(rank_variable + "=" + std::to_string(world.rank) + " is outside the world of " + size_variable + "=" +
                     std::to_string(world.world_size) + " processes; ranks run from 0 to " + std::to_string(world.world_size - 1));
  if (world.local_rank >= world.local_world_size)
    throw UsageError("the local rank " + std::to_string(world.local_rank) + " is outside the " + std::to_string(world.local_world_size) +
                     " processes on this machine; check the launcher's settings");
}

World from_torchrun(const Reader& read) {
  const std::string hint = "start genai with torchrun, or set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT together";
  World world;
  world.launcher = "torchrun";
  const auto size = read.integer("WORLD_SIZE", 1, 1 << 20, hint);
  if (!size) throw UsageError("RANK is set but WORLD_SIZE is not; " + hint);
  world.world_size = static_cast<int>(*size);
  world.rank = static_cast<int>(*read.integer("RANK", 0, 1 << 20, hint));
  world.local_rank = static_cast<int>(read.integer("LOCAL_RANK", 0, 1 << 20, hint).value_or(world.rank));
  world.local_world_size = static_cast<int>(read.integer("LOCAL_WORLD_SIZE", 1, 1 << 20, hint).value_or(world.world_size));
  const auto addr = read.text("MASTER_ADDR");
  if (!addr) throw UsageError("RANK and WORLD_SIZE are set but MASTER_ADDR is not; " + hint);
  world.master_addr = *addr;
  const auto port = read.integer("MASTER_PORT", 1, 65535, hint);
  if (!port) throw UsageError("RANK and WORLD_SIZE are set but MASTER_PORT is not; " + hint);
  world.master_port = static_cast<int>(*port);
  world.store_served_by_launcher = read.text("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
  check_rank(world, "RANK", "WORLD_SIZE");
  return world;
}

World from_slurm(const Reader& read, int tasks) {
  const std::string hint = "start genai with srun inside the allocation (scripts/slurm/train-multi.sbatch)";
  World world;
  world.launcher = "slurm";
  world.world_size = tasks;
  world.rank = static_cast<int>(*read.integer("SLURM_PROCID", 0, 1 << 20, hint));
  world.local_rank = static_cast<int>(read.integer("SLURM_LOCALID", 0, 1 << 20, hint).value_or(0));
  const int node = static_cast<int>(read.integer("SLURM_NODEID", 0, 1 << 20, hint).value_or(0));
  int local = 0;
  for (const char* name : {"SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"}) {
    if (local == 0) local = tasks_on_node(read.text(name).value_or(""), node);
  }
  world.local_world_size = local > 0 ? local : 1;
  if (const auto addr = read.text("MASTER_ADDR")) {
    world.master_addr = *addr;
  } else {
    const auto nodes = read.text("SLURM_STEP_NODELIST") ? read.text("SLURM_STEP_NODELIST") : read.text("SLURM_JOB_NODELIST");
    if (!nodes) throw UsageError("SLURM_PROCID is set but neither SLURM_STEP_NODELIST, SLURM_JOB_NODELIST nor MASTER_ADDR is; " + hint);
    world.master_addr = first_host(*nodes);
  }
  if (const auto port = read.integer("MASTER_PORT", 1, 65535, hint)) {
    world.master_port = static_cast<int>(*port);
  } else {
    const auto job = read.integer("SLURM_JOB_ID", 0, (1LL << 62), hint);
    if (!job) throw UsageError("SLURM_PROCID is set but neither SLURM_JOB_ID nor MASTER_PORT is; " + hint);
    world.master_port = kSlurmPortBase + static_cast<int>(*job % kSlurmPortRange);
  }
  check_rank(world, "SLURM_PROCID", "SLURM_NTASKS");
  return world;
}

World detect_launcher(const Reader& read);

}  // namespace

std::string World::describe() const {
  if (!distributed()) return "one process";
  return "rank " + std::to_string(rank) + " of " + std::to_string(world_size) + " (local " + std::to_string(local_rank) + " of " +
         std::to_string(local_world_size) + ", " + launcher + ", store " + master_addr + ":" + std::to_string(master_port) + ")";
}

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

World detect_world(const Environment& environment) {
  const Reader read{environment};
  World world = detect_launcher(read);
  if (world.distributed()) world.network_interface = read.text("GLOO_SOCKET_IFNAME").value_or("");
  return world;
}

namespace {
World detect_launcher(const Reader& read) {
  if (read.text("RANK") || read.text("WORLD_SIZE")) {
    if (!read.text("RANK")) throw UsageError("WORLD_SIZE is set but RANK is not; start genai with torchrun, or set RANK too");
    return from_torchrun(read);
  }
  // srun sets SLURM_PROCID for every task; a batch script run by hand (one task) stays one process.
  if (read.text("SLURM_PROCID")) {
    const auto tasks = read.integer("SLURM_NTASKS", 1, 1 << 20, "start genai with srun");
    if (tasks && *tasks > 1) return from_slurm(read, static_cast<int>(*tasks));
  }
  return World{};
}
}  // namespace

std::string first_host(const std::string& node_list) {
  std::string host;
  size_t i = 0;
  while (i < node_list.size() && node_list[i] != ',') {
    if (node_list[i] == '[') {
      // The first entry of the range list: "003-005,9]" -> "003".
      ++i;
      while (i < node_list.size() && std::isalnum(static_cast<unsigned char>(node_list[i]))) host += node_list[i++];
      while (i < node_list.size() && node_list[i] != ']') ++i;
      if (i < node_list.size()) ++i;
      continue;
    }
    host += node_list[i++];
  }
  return host;
}

int tasks_on_node(const std::string& tasks_per_node, int node_id) {
  // "2(x3),1": three nodes with 2 tasks each, then one node with 1.
  int node = 0;
  size_t i = 0;
  while (i < tasks_per_node.size()) {
    size_t used = 0;
    int tasks = 0;
    try {
      tasks = std::stoi(tasks_per_node.substr(i), &used);
    } catch (const std::exception&) {
      return 0;
    }
    i += used;
    int repeat = 1;
    if (tasks_per_node.compare(i, 2, "(x") == 0) {
      i += 2;
      try {
        repeat = std::stoi(tasks_per_node.substr(i), &used);
      } catch (const std::exception&) {
        return 0;
      }
      i += used + 1;  // the number and ')'
    }
    if (node_id < node + repeat) return tasks;
    node += repeat;
    if (i < tasks_per_node.size() && tasks_per_node[i] == ',') ++i;
  }
  return 0;
}

}  // namespace genai::dist
