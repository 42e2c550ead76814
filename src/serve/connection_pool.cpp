#include "serve/connection_pool.h"

#include <algorithm>
#include <thread>

namespace longalign::serve {

ConnectionPool::ConnectionPool(size_t max_threads, std::chrono::milliseconds idle_exit)
    : max_threads_(std::max<size_t>(max_threads, 1)), idle_exit_(idle_exit) {}

ConnectionPool::~ConnectionPool() {
  shutdown();
}

void ConnectionPool::enqueue(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  tasks_.push_back(std::move(task));
  // Every waiting task needs an idle thread of its own; an idle thread that was woken but has
  // not taken its task yet still counts in idle_, so compare against the whole queue.
  if (tasks_.size() <= idle_) {
    task_ready_.notify_one();
    return;
  }
  if (threads_ < max_threads_) {
    ++threads_;
    std::thread([this] { work(); }).detach();
  }
}

void ConnectionPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    const bool woken =
        task_ready_.wait_for(lock, idle_exit_, [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty() && (stopping_ || !woken)) break;
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // whatever the task holds is released before the thread counts as idle
    lock.lock();
  }
  // The last touch of the pool: notified under the lock, so shutdown() cannot return (and the
  // pool be destroyed) before this thread has let go of the mutex.
  --threads_;
  thread_ended_.notify_all();
}

void ConnectionPool::shutdown() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  task_ready_.notify_all();
  thread_ended_.wait(lock, [this] { return threads_ == 0; });
}

size_t ConnectionPool::threads() {
  std::lock_guard lock(mutex_);
  return threads_;
}

}  // namespace longalign::serve
