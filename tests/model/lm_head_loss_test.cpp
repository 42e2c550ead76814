// The fused LM head + cross-entropy against a naive double reference that holds all T x V
// logits, with ignored targets, token weights and more tokens than one chunk; its gradients
// against central finite differences; bf16 within a stated tolerance.
#include "model/lm_head_loss.h"

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "gtest/gtest.h"
#include "model/bf16.h"

namespace longalign::model {
namespace {

struct Problem {
  int64_t T, C, V;
  std::vector<float> x, weight, token_weights;
  std::vector<int32_t> targets;

  LmHeadLossInput input() const {
    return {x.data(), weight.data(), targets.data(), token_weights.data(), T, C, V};
  }
};

// Roughly a third of the targets are -1 (no loss, weight 0), the rest weighted in [0.5, 2].
Problem random_problem(int64_t T, int64_t C, int64_t V, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f), weight(0.5f, 2.0f);
  Problem p{T, C, V, std::vector<float>(T * C), std::vector<float>(V * C), {}, {}};
  for (float& v : p.x) v = uniform(rng);
  for (float& v : p.weight) v = uniform(rng);
  for (int64_t t = 0; t < T; ++t) {
    const bool ignored = rng() % 3 == 0;
    p.targets.push_back(ignored ? -1 : static_cast<int32_t>(rng() % V));
    p.token_weights.push_back(ignored ? 0.0f : weight(rng));
  }
  return p;
}

struct Reference {
  double loss = 0.0;
  std::vector<double> token_loss, dx, dweight;
  std::vector<double> dx_magnitude, dweight_magnitude;  // the sums of |term| of each gradient
};

// logits = x W^T in full; token_loss = lse - logit_y; L = sum w token_loss;
// dlogits = w (softmax - onehot), dx = dlogits W, dW = dlogits^T x.
Reference reference(const Problem& p, const std::vector<double>& x,
                    const std::vector<double>& weight) {
  const int64_t T = p.T, C = p.C, V = p.V;
  Reference r{0.0,
              std::vector<double>(T),
              std::vector<double>(T * C),
              std::vector<double>(V * C),
              std::vector<double>(T * C),
              std::vector<double>(V * C)};
  for (int64_t t = 0; t < T; ++t) {
    const int32_t y = p.targets[t];
    if (y < 0) continue;
    std::vector<double> logits(V);
    for (int64_t v = 0; v < V; ++v) {
      for (int64_t c = 0; c < C; ++c) logits[v] += x[t * C + c] * weight[v * C + c];
    }
    double sum = 0.0;
    for (double l : logits) sum += std::exp(l);
    const double lse = std::log(sum);
    r.token_loss[t] = lse - logits[y];
    r.loss += p.token_weights[t] * r.token_loss[t];
    for (int64_t v = 0; v < V; ++v) {
      const double d = p.token_weights[t] * (std::exp(logits[v] - lse) - (v == y ? 1.0 : 0.0));
      for (int64_t c = 0; c < C; ++c) {
        r.dx[t * C + c] += d * weight[v * C + c];
        r.dweight[v * C + c] += d * x[t * C + c];
        r.dx_magnitude[t * C + c] += std::abs(d * weight[v * C + c]);
        r.dweight_magnitude[v * C + c] += std::abs(d * x[t * C + c]);
      }
    }
  }
  return r;
}

std::vector<double> to_double(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

std::vector<double> rounded_to_bf16(const std::vector<float>& v) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = round_bf16(v[i]);
  return out;
}

struct Result {
  double loss;
  std::vector<float> token_loss, dx, dweight;
};

// Runs lm_head_loss with gradients accumulated onto dx0 and dweight0 (constant 0.25), then
// takes the 0.25 off so the result is the gradient alone.
Result run(const Problem& p, Precision precision) {
  Result r{0.0, std::vector<float>(p.T, -7.0f), std::vector<float>(p.T * p.C, 0.25f),
           std::vector<float>(p.V * p.C, 0.25f)};
  r.loss = lm_head_loss(precision, p.input(), {r.token_loss.data(), r.dx.data(), r.dweight.data()});
  for (float& v : r.dx) v -= 0.25f;
  for (float& v : r.dweight) v -= 0.25f;
  return r;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, double tolerance,
                 const char* what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tolerance) << what << " " << i;
  }
}

TEST(LmHeadLoss, Fp32MatchesNaiveAcrossChunks) {
  // 600 tokens with a third ignored: about 400 rows with a loss, so chunks of 256 and a partial.
  const Problem p = random_problem(600, 16, 50, 1);
  const Reference want = reference(p, to_double(p.x), to_double(p.weight));
  const Result got = run(p, Precision::fp32);
  EXPECT_NEAR(got.loss, want.loss, 1e-6 * std::abs(want.loss));
  expect_near(got.token_loss, want.token_loss, 1e-5, "token_loss");
  expect_near(got.dx, want.dx, 1e-5, "dx");
  expect_near(got.dweight, want.dweight, 1e-4, "dweight");
  for (int64_t t = 0; t < p.T; ++t) {
    if (p.targets[t] >= 0) continue;
    ASSERT_EQ(got.token_loss[t], 0.0f) << t;
    for (int64_t c = 0; c < p.C; ++c) ASSERT_EQ(got.dx[t * p.C + c], 0.0f) << t;
  }
}

TEST(LmHeadLoss, GradientsMatchFiniteDifferences) {
  const Problem p = random_problem(5, 4, 7, 2);
  const Result got = run(p, Precision::fp32);
  // Step 1e-5 on a smooth double function: FD error ~1e-10; the fp32 code's ~1e-6.
  constexpr double h = 1e-5;
  const auto fd = [&](std::vector<double> v, bool of_x) {
    std::vector<double> grad(v.size());
    const std::vector<double> x = to_double(p.x), w = to_double(p.weight);
    for (size_t i = 0; i < v.size(); ++i) {
      const double keep = v[i];
      v[i] = keep + h;
      const double up = of_x ? reference(p, v, w).loss : reference(p, x, v).loss;
      v[i] = keep - h;
      const double down = of_x ? reference(p, v, w).loss : reference(p, x, v).loss;
      v[i] = keep;
      grad[i] = (up - down) / (2 * h);
    }
    return grad;
  };
  expect_near(got.dx, fd(to_double(p.x), true), 2e-5, "dx");
  expect_near(got.dweight, fd(to_double(p.weight), false), 2e-5, "dweight");
}

TEST(LmHeadLoss, LossAloneLeavesNoGradient) {
  const Problem p = random_problem(40, 8, 30, 3);
  const double loss = lm_head_loss(Precision::fp32, p.input(), {});
  EXPECT_NEAR(loss, reference(p, to_double(p.x), to_double(p.weight)).loss, 1e-5);
}

TEST(LmHeadLoss, AllTargetsIgnoredIsZero) {
  Problem p = random_problem(10, 4, 9, 4);
  for (int32_t& y : p.targets) y = -1;
  std::vector<float> dx(p.T * p.C, 1.0f), dweight(p.V * p.C, 1.0f);
  EXPECT_EQ(lm_head_loss(Precision::fp32, p.input(), {nullptr, dx.data(), dweight.data()}), 0.0);
  EXPECT_EQ(dx, std::vector<float>(p.T * p.C, 1.0f));
  EXPECT_EQ(dweight, std::vector<float>(p.V * p.C, 1.0f));
}

TEST(LmHeadLoss, TargetOutsideTheVocabularyIsAnError) {
  Problem p = random_problem(4, 4, 9, 5);
  p.targets[2] = 9;
  EXPECT_THROW(lm_head_loss(Precision::fp32, p.input(), {}), Error);
}

TEST(LmHeadLoss, Bf16MatchesTheReferenceOverRoundedInputs) {
  const Problem p = random_problem(300, 32, 70, 6);
  const Result got = run(p, Precision::bf16);
  // x and W enter the products rounded to bf16, so against a reference over the rounded values
  // the logits, loss and softmax differ only by fp32 rounding.
  const Reference rounded = reference(p, rounded_to_bf16(p.x), rounded_to_bf16(p.weight));
  EXPECT_NEAR(got.loss, rounded.loss, 1e-5 * std::abs(rounded.loss));
  expect_near(got.token_loss, rounded.token_loss, 1e-4, "token_loss");
  // dlogits are rounded to bf16 too (relative error <= 2^-9) before the two backward products,
  // so each gradient element errs by at most 2^-9 times the sum of its terms' magnitudes; 2^-8
  // of it (plus fp32 slack) is the tolerance.
  for (size_t i = 0; i < got.dx.size(); ++i) {
    ASSERT_NEAR(got.dx[i], rounded.dx[i], rounded.dx_magnitude[i] / 256 + 1e-5) << "dx " << i;
  }
  for (size_t i = 0; i < got.dweight.size(); ++i) {
    ASSERT_NEAR(got.dweight[i], rounded.dweight[i], rounded.dweight_magnitude[i] / 256 + 1e-5)
        << "dweight " << i;
  }
  // Against exact fp32 inputs the loss moves by the rounding of x and W: under 1%.
  const Reference exact = reference(p, to_double(p.x), to_double(p.weight));
  EXPECT_NEAR(got.loss, exact.loss, 1e-2 * std::abs(exact.loss));
}

}  // namespace
}  // namespace longalign::model
