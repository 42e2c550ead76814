// Sampling against naive formulations of each rule: greedy, the kept sets of top-k, top-p and
// min-p, the repetition penalty, seeds, and the frequencies of temperature sampling.
#include "infer/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "test_support.h"

namespace longalign::infer {
namespace {

// Logits with ties: 0.5 steps over a small range, in a scrambled order.
std::vector<float> tied_logits(int n, int seed) {
  std::vector<float> out(n);
  for (int i = 0; i < n; ++i) out[i] = 0.5f * static_cast<float>((i * 7 + seed * 13) % 9) - 2.0f;
  return out;
}

// The kept set by counting: token i is in the top k when fewer than k tokens come before it
// (a larger logit, or an equal one and a lower id); in the top-p set when the probability of the
// top-k tokens before it is below p; in the min-p set when p_i >= min_p * max p.
std::vector<int32_t> naive_kept(const std::vector<float>& logits, const SamplingParams& s) {
  const int n = static_cast<int>(logits.size());
  const auto before = [&](int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  std::vector<double> p(n);
  double z = 0;
  std::vector<bool> in_k(n);
  for (int i = 0; i < n; ++i) {
    int ahead = 0;
    for (int j = 0; j < n; ++j) ahead += before(j, i);
    in_k[i] = s.top_k == 0 || ahead < s.top_k;
    if (in_k[i]) z += p[i] = std::exp(logits[i] / s.temperature);
  }
  std::vector<bool> in_p(n);
  double pmax = 0;
  for (int i = 0; i < n; ++i) {
    if (!in_k[i]) continue;
    double mass_before = 0;
    for (int j = 0; j < n; ++j) {
      if (in_k[j] && before(j, i)) mass_before += p[j] / z;
    }
    in_p[i] = mass_before < s.top_p;
    if (in_p[i]) pmax = std::max(pmax, p[i]);
  }
  std::vector<int32_t> kept;
  for (int i = 0; i < n; ++i) {
    if (in_p[i] && p[i] >= s.min_p * pmax) kept.push_back(i);
  }
  return kept;
}

TEST(Sampler, GreedyIsTheArgmaxWithTiesToTheLowestId) {
  const std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f};
  EXPECT_EQ(argmax(logits), 1);
  SamplingParams greedy;
  greedy.temperature = 0;
  Sampler sampler(greedy, {}, 5);
  std::vector<float> copy = logits;
  EXPECT_EQ(sampler.sample(copy), 1);
}

TEST(Sampler, FiltersKeepExactlyTheNaiveSets) {
  int checked = 0;
  for (int seed = 0; seed < 6; ++seed) {
    const std::vector<float> logits = tied_logits(23, seed);
    for (const int64_t k : {0, 1, 3, 8}) {
      for (const double top_p : {1.0, 0.9, 0.5, 0.05}) {
        for (const double min_p : {0.0, 0.1, 0.6}) {
          for (const double temperature : {0.5, 1.0, 2.0}) {
            SamplingParams s;
            s.top_k = k;
            s.top_p = top_p;
            s.min_p = min_p;
            s.temperature = temperature;
            const Candidates c = sampling_candidates(logits, s);
            std::vector<int32_t> got = c.ids;
            std::sort(got.begin(), got.end());
            ASSERT_EQ(got, naive_kept(logits, s))
                << "k " << k << " top_p " << top_p << " min_p " << min_p << " t " << temperature;
            // The probabilities are the softmax renormalised over the kept set.
            double z = 0;
            for (const int32_t id : c.ids) z += std::exp(logits[id] / temperature);
            for (size_t i = 0; i < c.ids.size(); ++i) {
              ASSERT_NEAR(c.probs[i], std::exp(logits[c.ids[i]] / temperature) / z, 1e-12);
            }
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 6 * 4 * 4 * 3 * 3);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplingParams s;
  s.temperature = 0;
  s.repetition_penalty = 2.0;
  // Token 0 is in the prompt: 3.0 / 2 = 1.5 falls below token 1's 2.0.
  Sampler positive(s, std::vector<int32_t>{0}, 3);
  std::vector<float> a = {3.0f, 2.0f, -1.0f};
  EXPECT_EQ(positive.sample(a), 1);
  EXPECT_FLOAT_EQ(a[0], 1.5f);
  // Negative: -1 * 2 = -2 falls below token 1's -1.5.
  Sampler negative(s, std::vector<int32_t>{0}, 2);
  std::vector<float> b = {-1.0f, -1.5f};
  EXPECT_EQ(negative.sample(b), 1);
  EXPECT_FLOAT_EQ(b[0], -2.0f);
  // The output counts too: the same logits twice, and the first pick is penalised the second
  // time.
  Sampler output(s, {}, 3);
  std::vector<float> c1 = {3.0f, 2.0f, 0.0f}, c2 = c1;
  EXPECT_EQ(output.sample(c1), 0);
  EXPECT_EQ(output.sample(c2), 1);
}

std::vector<int32_t> draws(uint64_t seed, int n) {
  SamplingParams s;
  s.temperature = 1.0;
  s.seed = seed;
  Sampler sampler(s, {}, 23);
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    std::vector<float> logits = tied_logits(23, 1);
    out.push_back(sampler.sample(logits));
  }
  return out;
}

TEST(Sampler, TheSameSeedGivesTheSameTokens) {
  EXPECT_EQ(draws(42, 50), draws(42, 50));
  EXPECT_NE(draws(42, 50), draws(43, 50));
}

// 20,000 draws at temperature 0.7 from five tokens: Pearson's chi-square against softmax(l / 0.7)
// stays below 18.5, the 0.1% tail of chi-square with 4 degrees of freedom.
TEST(Sampler, TemperatureSamplingFollowsTheSoftmax) {
  const std::vector<float> logits = {1.0f, 0.2f, -0.5f, 0.9f, -2.0f};
  SamplingParams s;
  s.temperature = 0.7;
  s.seed = 7;
  Sampler sampler(s, {}, 5);
  const int n = 20000;
  std::vector<int> counts(5);
  for (int i = 0; i < n; ++i) {
    std::vector<float> copy = logits;
    ++counts[sampler.sample(copy)];
  }
  double z = 0;
  for (const float l : logits) z += std::exp(l / 0.7);
  double chi2 = 0;
  for (int v = 0; v < 5; ++v) {
    const double expected = n * std::exp(logits[v] / 0.7) / z;
    chi2 += (counts[v] - expected) * (counts[v] - expected) / expected;
  }
  EXPECT_LT(chi2, 18.5);
  // A wrong temperature would be far off: at temperature 1 token 4 is twice as frequent.
  EXPECT_LT(counts[4], n * std::exp(-2.0 / 0.7) / z * 1.3);
}

TEST(Sampler, RejectsOutOfRangeParameters) {
  const auto message = [](auto change) {
    SamplingParams s;
    change(s);
    return testing::error_of([&] { validate_sampling(s); });
  };
  EXPECT_TRUE(
      testing::contains(message([](SamplingParams& s) { s.temperature = -1; }), "temperature"));
  EXPECT_TRUE(testing::contains(message([](SamplingParams& s) { s.top_k = -2; }), "top_k"));
  EXPECT_TRUE(testing::contains(message([](SamplingParams& s) { s.top_p = 0; }), "top_p"));
  EXPECT_TRUE(testing::contains(message([](SamplingParams& s) { s.min_p = 1.5; }), "min_p"));
  EXPECT_TRUE(testing::contains(message([](SamplingParams& s) { s.repetition_penalty = 0; }),
                                "repetition_penalty"));
  EXPECT_TRUE(
      testing::contains(message([](SamplingParams& s) { s.temperature = NAN; }), "temperature"));
}

}  // namespace
}  // namespace longalign::infer
