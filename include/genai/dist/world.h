#pragma once
// Which process of a data-parallel job this one is, read from the launcher's environment: torchrun (and any
// env:// launcher: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) or Slurm's srun
// (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, the tasks per node, the first host of the node list, a port
// derived from the job id). Without either, one process, exactly as without this module.
#include <functional>
#include <optional>
#include <string>

namespace genai::dist {

struct World {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;        // index among the processes on this machine (picks the GPU)
  int local_world_size = 1;  // processes on this machine (they share its cores)
  std::string launcher;      // "torchrun" or "slurm"; empty: a plain single process
  std::string master_addr;   // where rank 0 (or torchrun's agent) serves the rendezvous store
  int master_port = 0;
  // torchrun's agent already serves the store at MASTER_ADDR:MASTER_PORT, so every rank connects as a
  // client (TORCHELASTIC_USE_AGENT_STORE=True); otherwise rank 0 serves it.
  bool store_served_by_launcher = false;
  std::string network_interface;  // GLOO_SOCKET_IFNAME: the interface Gloo binds to (else the store's, or the host name's)

  bool distributed() const { return !launcher.empty(); }
  bool leader() const { return rank == 0; }
  std::string describe() const;  // e.g. "rank 1 of 2 (local 1 of 2, torchrun, store 127.0.0.1:29500)"
};

// Looks a variable up; std::nullopt when unset. Injected so tests need no process-wide state.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment process_environment();

// Throws UsageError when the variables are inconsistent (RANK without WORLD_SIZE, a rank outside the world, no
// MASTER_ADDR, a port that is not a number in 1-65535 ...), naming the variable and the fix.
World detect_world(const Environment& environment);

// For Slurm: the first host of a node list such as "gpu[003-005,9],login1" -> "gpu003".
std::string first_host(const std::string& node_list);
// For Slurm: the tasks on node `node_id` from SLURM_TASKS_PER_NODE's "2(x3),1" form; 0 when it does not say.
int tasks_on_node(const std::string& tasks_per_node, int node_id);

}  // namespace genai::dist
