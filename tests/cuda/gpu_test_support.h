// What the CUDA tests share: skipping without a GPU, and comparing float arrays.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cuda/engine.h"

namespace longalign::testing {

// Skips the calling test, with the reason, where no CUDA device is usable.
#define LONGALIGN_REQUIRE_GPU()                                       \
  do {                                                                \
    std::string why;                                                  \
    if (!::longalign::cuda::gpu_available(&why)) GTEST_SKIP() << why; \
  } while (0)

// |a - b| / |b| in the L2 norm.
inline double relative_l2(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    norm += double(b[i]) * b[i];
  }
  return std::sqrt(diff / std::max(norm, 1e-300));
}

}  // namespace longalign::testing
