#include "serve/stop_signals.h"

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <thread>

namespace longalign::serve {

namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void run_until_stop_signal(Server& server) {
  std::atomic<bool> finished{false};
  // Wakes every 100 ms to notice that the server ended on its own. After a signal it repeats
  // stop() until run() returns: a signal that came during loading arrives before the server is
  // accepting, when httplib's stop() would have nothing to stop yet.
  std::thread watcher([&] {
    const sigset_t set = stop_set();
    const timespec wait{0, 100'000'000};
    bool signalled = false;
    while (!finished.load()) {
      if (signalled) {
        server.stop();
        nanosleep(&wait, nullptr);
      } else {
        signalled = sigtimedwait(&set, nullptr, &wait) > 0;
      }
    }
  });
  server.run();
  finished = true;
  watcher.join();
}

}  // namespace longalign::serve
