// The threads the HTTP server serves connections on. Each connection gets a thread of its own, up
// to a limit, so that a connection that holds its thread (a keep-alive connection waiting for its
// next request, a stream to a slow reader, a request waiting in the scheduler's queue) never
// delays another: a /health check answers at once however busy the server is. A fixed pool, as
// cpp-httplib's own, makes a new connection wait until one of the held ones lets go (seconds).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace longalign::serve {

class ConnectionPool {
 public:
  // At most `max_threads` tasks run at once; past that, tasks wait in arrival order. A thread
  // left without work for `idle_exit` ends, so a burst does not keep its threads.
  ConnectionPool(size_t max_threads, std::chrono::milliseconds idle_exit);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  void enqueue(std::function<void()> task);

  // Runs the tasks still waiting, then waits for every thread to end. Later enqueues are dropped.
  void shutdown();

  // Threads alive now (running a task or waiting for one).
  size_t threads();

 private:
  void work();

  const size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  std::mutex mutex_;
  std::condition_variable task_ready_, thread_ended_;
  std::deque<std::function<void()>> tasks_;
  size_t threads_ = 0, idle_ = 0;
  bool stopping_ = false;
};

}  // namespace longalign::serve
