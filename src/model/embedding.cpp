// Token embedding, forward (a lookup) and backward (a scatter-add).
#include "model/embedding.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"

namespace longalign::model {

// tokens: [T]; table: [V, C]; out: [T, C]. out[t, :] = table[tokens[t], :].
void embedding_forward(float* out, const int32_t* tokens, const float* table, int64_t T, int64_t C,
                       int64_t V) {
  for (int64_t t = 0; t < T; ++t) {
    if (tokens[t] < 0 || tokens[t] >= V) {
      throw Error("embedding: token id " + std::to_string(tokens[t]) + " at position " +
                  std::to_string(t) + " is outside the vocabulary [0, " + std::to_string(V) + ")");
    }
  }
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < T; ++t) {
    std::memcpy(out + t * C, table + static_cast<int64_t>(tokens[t]) * C, sizeof(float) * C);
  }
}

// dout: [T, C]; dtable: [V, C]. dtable[tokens[t], :] += dout[t, :].
// A token repeats across positions, so threads split the C columns rather than the tokens: each
// thread adds whole token sequences into its own columns, in position order, which makes the sum
// race-free and the same for any number of threads. tokens were checked by the forward.
void embedding_backward(float* dtable, const float* dout, const int32_t* tokens, int64_t T,
                        int64_t C) {
  constexpr int64_t kColumns = 32;
  const int64_t blocks = (C + kColumns - 1) / kColumns;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kColumns, end = std::min(C, begin + kColumns);
    for (int64_t t = 0; t < T; ++t) {
      float* row = dtable + static_cast<int64_t>(tokens[t]) * C;
      const float* dyt = dout + t * C;
      for (int64_t c = begin; c < end; ++c) row[c] += dyt[c];
    }
  }
}

}  // namespace longalign::model
