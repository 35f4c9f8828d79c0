#include "stop_signals.h"

#include <unistd.h>

#include <csignal>

namespace genai::cli {
namespace {

// Process-wide by nature: a signal handler can only reach static state. Nothing but this file touches it.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int signal_number) {
  if (signal_number == SIGINT && g_stop_signal == SIGINT) {
    constexpr char message[] = "\ngenai: second interrupt, stopping now (the last written checkpoint is intact)\n";
    (void)!::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(130);
  }
  g_stop_signal = signal_number;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a signal must not make a file write fail half-way
  for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &action, nullptr);
}

void restore_default_signal_handlers() {
  for (int s : {SIGTERM, SIGINT, SIGUSR1}) std::signal(s, SIG_DFL);
}

int requested_stop_signal() { return g_stop_signal; }

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "a signal";
  }
}

}  // namespace genai::cli
