// Rotary position embedding: each pair of dimensions (a, b) of a head is rotated by the angle
// position * inv_freq[i]. The rotation is orthogonal, so the backward rotates by the opposite
// angle.
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"

namespace longalign::model {

struct RopeTable {
  int64_t rotary_dim = 0;        // dimensions rotated per head (the rest pass through)
  bool interleaved = false;      // pairs (2i, 2i+1) rather than (i, i + rotary_dim/2)
  float attention_scale = 1.0f;  // yarn's mscale, applied to cos and sin as transformers does
  std::vector<float> inv_freq;   // rotary_dim / 2 frequencies
};

// The frequencies for `config`, with its rope_scaling applied. `seq_len` is the longest position
// + 1 in the batch: dynamic NTK scaling grows the base once it passes max_position.
RopeTable make_rope_table(const ModelConfig& config, int64_t seq_len);

// The cos and sin of every (token, pair) of a batch, times the table's attention_scale: computed
// once per batch and shared by the q and k rotations of every layer, forward and backward
// (taking them per call cost a tenth of a short prefill).
struct RopeAngles {
  int64_t pairs = 0;
  bool interleaved = false;
  std::vector<float> cos, sin;  // [T, pairs]
};

RopeAngles rope_angles(const RopeTable& table, const int32_t* positions, int64_t T);

// x: [rows, heads, head_dim] with row stride `ld` between tokens (so q and k can be rotated
// inside the fused qkv buffer), rotated in place by the angles of rows [first, first + rows), or
// by their opposite for the backward (the transpose of the rotation).
void rope_rotate(float* x, int64_t ld, int64_t rows, int64_t heads, int64_t head_dim,
                 const RopeAngles& angles, int64_t first, bool backward);

// x: [T, heads, head_dim] with row stride `ld`; positions: [T]. Rotates in place.
void rope_forward(float* x, int64_t ld, const int32_t* positions, int64_t T, int64_t heads,
                  int64_t head_dim, const RopeTable& table);

// The transpose of rope_forward, in place on the gradient.
void rope_backward(float* dx, int64_t ld, const int32_t* positions, int64_t T, int64_t heads,
                   int64_t head_dim, const RopeTable& table);

}  // namespace longalign::model
