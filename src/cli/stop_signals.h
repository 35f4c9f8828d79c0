#pragma once
// Graceful stops for batch jobs. SIGTERM, SIGINT and SIGUSR1 (what Slurm and Kubernetes send before a
// time limit or preemption) only set a flag; the training loop finishes its step, writes a checkpoint and
// exits with kExitStoppedEarly. A second SIGINT (Ctrl-C twice) exits at once; checkpoints are written
// atomically, so the last good one survives.
namespace genai::cli {

// sysexits' EX_TEMPFAIL: "stopped early, resumable"; schedulers and scripts can requeue on it.
inline constexpr int kExitStoppedEarly = 75;

void install_stop_handlers();
void restore_default_signal_handlers();

// The signal that asked for a stop, or 0.
int requested_stop_signal();
const char* signal_name(int signal_number);

}  // namespace genai::cli
