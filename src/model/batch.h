// What one forward/backward pass runs on: a pack of sequences laid end to end, with the
// boundaries attention needs (cu_seqlens), each token's position, its target (the next token, or
// -1 where no loss is taken) and its weight in the loss.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace longalign::model {

// One tokenized sample: ids and a target mask (1 = the token is trained on), as the store holds.
struct SequenceView {
  std::span<const uint32_t> ids;
  std::span<const uint8_t> mask;
};

// How positions run inside a pack: restarting at 0 for every sequence (what a model sees when the
// sequence runs alone), or running on across the pack (what LongAlign's own code does).
enum class PackPositions { restart, continuous };

struct Batch {
  std::vector<int32_t> tokens;       // [T]
  std::vector<int32_t> targets;      // [T], tokens[t + 1] where mask[t + 1] = 1, else -1
  std::vector<float> token_weights;  // [T], 1 where a target exists, else 0 (the trainer rescales)
  std::vector<int32_t> positions;    // [T]
  std::vector<int32_t> cu_seqlens;   // [S + 1]
  std::vector<int64_t> target_counts;  // [S], targets per sequence

  int64_t size() const { return static_cast<int64_t>(tokens.size()); }
  int64_t sequences() const { return static_cast<int64_t>(target_counts.size()); }
  int32_t max_position() const;
};

// Packs `sequences` in order. A token id past INT32_MAX is an Error.
Batch make_batch(std::span<const SequenceView> sequences,
                 PackPositions positions = PackPositions::restart);

// Throws Error when the batch's arrays disagree in size, it is empty, or a token or a target
// (-1: none) is outside the vocabulary [0, vocab).
void check_batch(const Batch& batch, int64_t vocab);

// Appends one padding sequence (pad tokens at positions 0, 1, ...; no targets) so that the
// batch's token count becomes a multiple of `multiple`. Its own cu_seqlens segment keeps it out
// of every real sequence's attention, and with no targets it weighs nothing in any loss mode.
// Fewer distinct batch sizes mean fewer products of a new shape, each of which oneDNN compiles.
void pad_to_multiple(Batch& batch, int64_t multiple, int32_t pad_token);

// Per-sequence sums of a per-token array: out[s] = sum of values over sequence s's tokens.
std::vector<double> sum_per_sequence(const Batch& batch, std::span<const float> values);

}  // namespace longalign::model
