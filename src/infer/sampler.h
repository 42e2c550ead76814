// Picking the next token from a row of logits. In order, as transformers applies them:
//   1. repetition penalty (CTRL): for every token already in the prompt or the output, a positive
//      logit is divided by the penalty and a negative one multiplied by it;
//   2. temperature 0: the argmax (ties to the lowest id), and nothing else applies;
//   3. logits / temperature, softmax;
//   4. top-k: the k most likely tokens (ties to the lower id);
//   5. top-p: the fewest most likely tokens whose probabilities, renormalised over what is left,
//      sum to at least p;
//   6. min-p: tokens whose renormalised probability is at least min_p x the largest;
//   7. one draw from what is left, renormalised, with the request's own generator.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "infer/generation.h"

namespace longalign::infer {

// UsageError naming the field for a value out of range (temperature < 0, top_k < 0, top_p not in
// (0, 1], min_p not in [0, 1], repetition_penalty <= 0, any of them NaN).
void validate_sampling(const SamplingParams& params);

// The tokens step 7 draws from with their probabilities (summing to 1): most likely first when
// top-k or top-p is on, in id order otherwise.
struct Candidates {
  std::vector<int32_t> ids;
  std::vector<double> probs;
};

// Steps 3 to 6 on `logits` (the penalty already applied); temperature must be positive.
Candidates sampling_candidates(std::span<const float> logits, const SamplingParams& params);

// The lowest id among the largest logits.
int32_t argmax(std::span<const float> logits);

// One request's sampler: its parameters, the tokens it has seen and its generator.
class Sampler {
 public:
  // `prompt`'s tokens count as seen for the repetition penalty.
  Sampler(const SamplingParams& params, std::span<const int32_t> prompt, int64_t vocab);

  // The next token from `logits` [V] (changed in place by the penalty); it counts as seen.
  int32_t sample(std::span<float> logits);

  // A uniform double in [0, 1) from the request's stream.
  double uniform();

 private:
  void see(int32_t token);

  SamplingParams params_;
  uint64_t state_;
  std::vector<uint8_t> seen_;       // [V]
  std::vector<int32_t> seen_list_;  // the ids with seen_ set
};

}  // namespace longalign::infer
