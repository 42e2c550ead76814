#include "infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.h"
#include "core/random.h"

namespace longalign::infer {

void validate_sampling(const SamplingParams& p) {
  const auto fail = [](const std::string& what) { throw UsageError("sampling: " + what); };
  if (!(p.temperature >= 0)) fail("temperature must be at least 0");
  if (p.top_k < 0) fail("top_k must be at least 0 (0 = off)");
  if (!(p.top_p > 0 && p.top_p <= 1)) fail("top_p must be in (0, 1]");
  if (!(p.min_p >= 0 && p.min_p <= 1)) fail("min_p must be in [0, 1]");
  if (!(p.repetition_penalty > 0) || std::isinf(p.repetition_penalty)) {
    fail("repetition_penalty must be positive");
  }
}

int32_t argmax(std::span<const float> logits) {
  // max_element keeps the first of equal values: the lowest id.
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

Candidates sampling_candidates(std::span<const float> logits, const SamplingParams& params) {
  const int64_t V = static_cast<int64_t>(logits.size());
  if (V == 0) throw Error("sampling: no logits");
  // Top-k and top-p need the tokens by likelihood (ties to the lower id); without them the ids
  // stay in order, which spares a sort of the whole vocabulary at every step.
  std::vector<int32_t> order(V);
  std::iota(order.begin(), order.end(), 0);
  int64_t k = V;
  if (params.top_k > 0 || params.top_p < 1) {
    const auto before = [&](int32_t a, int32_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    };
    k = params.top_k > 0 ? std::min(params.top_k, V) : V;
    std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
    order.resize(k);
  }

  // p = softmax(logits / temperature) over the top k, in double.
  const double inv_t = 1.0 / params.temperature;
  float top = logits[order[0]];
  for (const int32_t id : order) top = std::max(top, logits[id]);
  std::vector<double> probs(k);
  double sum = 0;
  for (int64_t i = 0; i < k; ++i) sum += probs[i] = std::exp((logits[order[i]] - top) * inv_t);
  for (double& p : probs) p /= sum;

  // Top-p: the shortest prefix reaching p (at least one token).
  int64_t keep = k;
  if (params.top_p < 1) {
    double cumulative = 0;
    for (keep = 0; keep < k;) {
      cumulative += probs[keep++];
      if (cumulative >= params.top_p) break;
    }
  }
  // Min-p: renormalising over the kept tokens scales them all alike, so the test on the raw
  // probabilities, p >= min_p x max p, is the same.
  const double floor = params.min_p * *std::max_element(probs.begin(), probs.begin() + keep);
  Candidates c;
  double kept_sum = 0;
  for (int64_t i = 0; i < keep; ++i) {
    if (probs[i] < floor) continue;
    c.ids.push_back(order[i]);
    c.probs.push_back(probs[i]);
    kept_sum += probs[i];
  }
  for (double& p : c.probs) p /= kept_sum;
  return c;
}

Sampler::Sampler(const SamplingParams& params, std::span<const int32_t> prompt, int64_t vocab)
    : params_(params), state_(splitmix64_hash(params.seed)), seen_(static_cast<size_t>(vocab)) {
  validate_sampling(params);
  if (params.repetition_penalty != 1.0) {
    for (const int32_t t : prompt) see(t);
  }
}

void Sampler::see(int32_t token) {
  if (token < 0 || token >= static_cast<int32_t>(seen_.size()) || seen_[token]) return;
  seen_[token] = 1;
  seen_list_.push_back(token);
}

double Sampler::uniform() {
  return static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53;
}

int32_t Sampler::sample(std::span<float> logits) {
  if (params_.repetition_penalty != 1.0) {
    const float penalty = static_cast<float>(params_.repetition_penalty);
    for (const int32_t t : seen_list_) {
      if (t < static_cast<int32_t>(logits.size())) {
        logits[t] = logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty;
      }
    }
  }
  int32_t token;
  if (params_.temperature == 0) {
    token = argmax(logits);
  } else {
    const Candidates c = sampling_candidates(logits, params_);
    // The first candidate whose cumulative probability passes a uniform draw.
    const double u = uniform();
    double cumulative = 0;
    size_t i = 0;
    for (; i + 1 < c.ids.size(); ++i) {
      cumulative += c.probs[i];
      if (u < cumulative) break;
    }
    token = c.ids[i];
  }
  if (params_.repetition_penalty != 1.0) see(token);
  return token;
}

}  // namespace longalign::infer
