#include "train/stop_request.h"

#include <csignal>

namespace longalign::train {
namespace {

volatile std::sig_atomic_t requested = 0;

void record(int signal) {
  requested = signal;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = record;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);
}

int stop_signal() {
  return requested;
}

}  // namespace longalign::train
