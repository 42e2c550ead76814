#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace longalign {

size_t default_thread_count() {
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

void parallel_for(size_t count, size_t threads, size_t chunk,
                  const std::function<void(size_t, size_t, size_t)>& body) {
  if (count == 0) return;
  chunk = std::max<size_t>(1, chunk);
  if (threads == 0) threads = default_thread_count();
  threads = std::min(threads, (count + chunk - 1) / chunk);
  if (threads <= 1) {
    body(0, 0, count);
    return;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&](size_t worker) {
    while (!failed.load(std::memory_order_relaxed)) {
      const size_t begin = next.fetch_add(chunk);
      if (begin >= count) return;
      try {
        body(worker, begin, std::min(count, begin + chunk));
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t w = 1; w < threads; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace longalign
