#include "model/batch.h"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.h"

namespace longalign::model {

int32_t Batch::max_position() const {
  return positions.empty() ? 0 : *std::max_element(positions.begin(), positions.end());
}

Batch make_batch(std::span<const SequenceView> sequences, PackPositions positions) {
  Batch b;
  b.cu_seqlens.push_back(0);
  int32_t running = 0;
  for (size_t s = 0; s < sequences.size(); ++s) {
    const SequenceView& seq = sequences[s];
    if (seq.ids.size() != seq.mask.size()) {
      throw Error("sequence " + std::to_string(s) + ": ids and mask differ in length");
    }
    if (seq.ids.empty()) throw Error("sequence " + std::to_string(s) + " is empty");
    int64_t targets = 0;
    for (size_t t = 0; t < seq.ids.size(); ++t) {
      if (seq.ids[t] > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
        throw Error("sequence " + std::to_string(s) + ", token " + std::to_string(t) + ": id " +
                    std::to_string(seq.ids[t]) + " is out of range");
      }
      // Token t predicts token t + 1; the loss counts where t + 1 is a target.
      const bool has_target = t + 1 < seq.ids.size() && seq.mask[t + 1] != 0;
      b.tokens.push_back(static_cast<int32_t>(seq.ids[t]));
      b.targets.push_back(has_target ? static_cast<int32_t>(seq.ids[t + 1]) : -1);
      b.token_weights.push_back(has_target ? 1.0f : 0.0f);
      b.positions.push_back(positions == PackPositions::restart ? static_cast<int32_t>(t)
                                                                : running++);
      targets += has_target;
    }
    b.cu_seqlens.push_back(static_cast<int32_t>(b.tokens.size()));
    b.target_counts.push_back(targets);
  }
  return b;
}

void check_batch(const Batch& b, int64_t vocab) {
  const int64_t T = b.size();
  if (T == 0) throw Error("empty batch");
  if (b.cu_seqlens.size() != b.target_counts.size() + 1 || b.cu_seqlens.back() != T ||
      b.targets.size() != b.tokens.size() || b.positions.size() != b.tokens.size() ||
      b.token_weights.size() != b.tokens.size()) {
    throw Error("batch arrays disagree in size");
  }
  for (int64_t t = 0; t < T; ++t) {
    if (b.tokens[t] < 0 || b.tokens[t] >= vocab) {
      throw Error("embedding: token id " + std::to_string(b.tokens[t]) + " at position " +
                  std::to_string(t) + " is outside the vocabulary [0, " + std::to_string(vocab) +
                  ")");
    }
    if (b.targets[t] >= vocab || b.targets[t] < -1) {
      throw Error("target " + std::to_string(b.targets[t]) + " at token " + std::to_string(t) +
                  " is past the vocabulary (" + std::to_string(vocab) + ")");
    }
  }
}

void pad_to_multiple(Batch& batch, int64_t multiple, int32_t pad_token) {
  if (multiple <= 1 || batch.size() % multiple == 0) return;
  const int64_t pad = multiple - batch.size() % multiple;
  for (int64_t t = 0; t < pad; ++t) {
    batch.tokens.push_back(pad_token);
    batch.targets.push_back(-1);
    batch.token_weights.push_back(0.0f);
    batch.positions.push_back(static_cast<int32_t>(t));
  }
  batch.cu_seqlens.push_back(static_cast<int32_t>(batch.tokens.size()));
  batch.target_counts.push_back(0);
}

std::vector<double> sum_per_sequence(const Batch& batch, std::span<const float> values) {
  std::vector<double> sums(batch.target_counts.size(), 0.0);
  for (size_t s = 0; s < sums.size(); ++s) {
    for (int32_t t = batch.cu_seqlens[s]; t < batch.cu_seqlens[s + 1]; ++t) sums[s] += values[t];
  }
  return sums;
}

}  // namespace longalign::model
