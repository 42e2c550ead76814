// A minimal data-parallel loop over std::thread: the work items here (tokenizing texts) are
// independent and coarse, so a pool with a shared atomic cursor is all that is needed.
#pragma once

#include <cstddef>
#include <functional>

namespace longalign {

// Number of worker threads to use when the caller passes 0: the hardware concurrency.
size_t default_thread_count();

// Calls body(worker, begin, end) on contiguous chunks of [0, count) from `threads` workers
// (0 = all cores). `worker` is in [0, threads) so callers can keep per-thread scratch state.
// The first exception thrown by any body is rethrown after all workers stop.
void parallel_for(size_t count, size_t threads, size_t chunk,
                  const std::function<void(size_t worker, size_t begin, size_t end)>& body);

}  // namespace longalign
