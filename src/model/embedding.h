// Token embedding lookup.
#pragma once

#include <cstdint>

namespace longalign::model {

// out[t, :] = table[tokens[t], :]; out: [T, C], table: [V, C]. A token outside [0, V) is an Error.
void embedding_forward(float* out, const int32_t* tokens, const float* table, int64_t T, int64_t C,
                       int64_t V);

// dtable[tokens[t], :] += dout[t, :].
void embedding_backward(float* dtable, const float* dout, const int32_t* tokens, int64_t T,
                        int64_t C);

}  // namespace longalign::model
