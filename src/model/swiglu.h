// SwiGLU: out = silu(gate) * up, with silu(g) = g * sigmoid(g). gate and up are the two halves of
// one fused projection, [T, 2I] per token row: gate first, then up (ChatGLM3's dense_h_to_4h
// layout; Llama's gate_proj and up_proj are stacked the same way at load).
#pragma once

#include <cstdint>

namespace longalign::model {

// gate_up: [T, 2I]; out: [T, I].
void swiglu_forward(float* out, const float* gate_up, int64_t T, int64_t I);

// dgate_up = dL/d(gate_up) (written, not accumulated), from dout [T, I].
void swiglu_backward(float* dgate_up, const float* dout, const float* gate_up, int64_t T,
                     int64_t I);

}  // namespace longalign::model
