// ConnectionPool: a task per thread up to the limit, the rest in arrival order, idle threads
// ending, and shutdown running what waits.
#include "serve/connection_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace longalign::serve {
namespace {

using namespace std::chrono_literals;

// Tasks that block until opened, counting how many are inside at once.
class Gate {
 public:
  std::function<void()> task(int id) {
    return [this, id] {
      std::unique_lock lock(mutex_);
      started_.push_back(id);
      ++inside_;
      peak_ = std::max(peak_, inside_);
      changed_.notify_all();
      changed_.wait(lock, [this] { return open_; });
      --inside_;
    };
  }
  // Waits (up to 5 s) until `n` tasks have started; false if they did not.
  bool wait_started(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return started_.size() >= n; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  std::vector<int> started() {
    std::lock_guard lock(mutex_);
    return started_;
  }
  int peak() {
    std::lock_guard lock(mutex_);
    return peak_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int> started_;
  int inside_ = 0, peak_ = 0;
  bool open_ = false;
};

TEST(ConnectionPool, EveryTaskGetsAThreadUpToTheLimit) {
  ConnectionPool pool(64, 10s);
  Gate gate;
  for (int i = 0; i < 40; ++i) pool.enqueue(gate.task(i));
  // All 40 block at once: none waits for another to finish.
  EXPECT_TRUE(gate.wait_started(40));
  EXPECT_EQ(pool.threads(), 40u);
  gate.open();
  pool.shutdown();
  EXPECT_EQ(gate.peak(), 40);
}

TEST(ConnectionPool, PastTheLimitTasksWaitInArrivalOrder) {
  ConnectionPool pool(2, 10s);
  Gate gate;
  for (int i = 0; i < 6; ++i) pool.enqueue(gate.task(i));
  ASSERT_TRUE(gate.wait_started(2));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(gate.started().size(), 2u);
  EXPECT_EQ(pool.threads(), 2u);
  gate.open();
  ASSERT_TRUE(gate.wait_started(6));
  pool.shutdown();
  const std::vector<int> order = gate.started();
  EXPECT_EQ(std::vector<int>(order.begin() + 2, order.end()), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(gate.peak(), 2);
}

TEST(ConnectionPool, IdleThreadsEndAndAreStartedAgain) {
  ConnectionPool pool(8, 50ms);
  std::atomic<int> done{0};
  for (int i = 0; i < 8; ++i) pool.enqueue([&] { ++done; });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while ((done < 8 || pool.threads() > 0) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(done, 8);
  EXPECT_EQ(pool.threads(), 0u);
  pool.enqueue([&] { ++done; });
  pool.shutdown();
  EXPECT_EQ(done, 9);
}

TEST(ConnectionPool, ShutdownRunsWhatWaitsAndDropsLaterTasks) {
  ConnectionPool pool(1, 10s);
  Gate gate;
  std::atomic<int> ran{0};
  pool.enqueue(gate.task(0));
  ASSERT_TRUE(gate.wait_started(1));
  for (int i = 0; i < 3; ++i) pool.enqueue([&] { ++ran; });
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    gate.open();
  });
  pool.shutdown();
  opener.join();
  EXPECT_EQ(ran, 3);
  pool.enqueue([&] { ++ran; });
  EXPECT_EQ(ran, 3);
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace longalign::serve
