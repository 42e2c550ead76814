#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace longalign {
namespace {

TEST(Parallel, EveryIndexVisitedExactlyOnce) {
  for (const size_t threads : {1u, 2u, 5u}) {
    std::vector<std::atomic<int>> seen(1003);
    parallel_for(seen.size(), threads, 7, [&](size_t worker, size_t begin, size_t end) {
      EXPECT_LT(worker, threads);
      for (size_t i = begin; i < end; ++i) seen[i]++;
    });
    for (const auto& s : seen) ASSERT_EQ(s.load(), 1);
  }
}

TEST(Parallel, FirstExceptionIsRethrown) {
  EXPECT_THROW(parallel_for(100, 3, 1,
                            [](size_t, size_t begin, size_t) {
                              if (begin == 42) throw std::runtime_error("boom");
                            }),
               std::runtime_error);
}

}  // namespace
}  // namespace longalign
