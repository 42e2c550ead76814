// The three loss modes against their definitions, computed here from per-token losses; and the
// learning-rate schedules against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "model/batch.h"
#include "train/loss_weights.h"
#include "train/lr_schedule.h"

namespace longalign::train {
namespace {

struct Seq {
  std::vector<uint32_t> ids;
  std::vector<uint8_t> mask;
};

Seq seq(int length, int prompt) {
  Seq s;
  for (int i = 0; i < length; ++i) {
    s.ids.push_back(i + 1);
    s.mask.push_back(i >= prompt);
  }
  return s;
}

model::Batch batch_of(const std::vector<Seq>& seqs) {
  std::vector<model::SequenceView> views;
  for (const Seq& s : seqs) views.push_back({s.ids, s.mask});
  return model::make_batch(views);
}

// Token t's loss: an arbitrary positive value, the same whatever the weights.
double token_loss(int64_t t) {
  return 0.5 + 0.1 * double(t % 5);
}

double weighted_sum(const model::Batch& b) {
  double sum = 0;
  for (int64_t t = 0; t < b.size(); ++t) sum += b.token_weights[t] * token_loss(t);
  return sum;
}

// Per sequence: L_i (summed token loss) and N_i (targets).
void sequence_sums(const model::Batch& b, std::vector<double>& L, std::vector<double>& N) {
  for (int64_t s = 0; s < b.sequences(); ++s) {
    double l = 0, n = 0;
    for (int32_t t = b.cu_seqlens[s]; t < b.cu_seqlens[s + 1]; ++t) {
      if (b.targets[t] < 0) continue;
      l += token_loss(t);
      n += 1;
    }
    L.push_back(l);
    N.push_back(n);
  }
}

class LossWeightsTest : public ::testing::Test {
 protected:
  // A step of two packs (K = 2) holding five sequences (M = 5), one without targets.
  std::vector<model::Batch> packs = {batch_of({seq(9, 3), seq(4, 1)}),
                                     batch_of({seq(20, 15), seq(6, 6), seq(3, 0)})};
  StepCounts counts() const {
    StepCounts c;
    c.k = 2;
    c.m = 5;
    for (const model::Batch& b : packs) {
      for (int64_t n : b.target_counts) c.target_tokens += n;
    }
    return c;
  }
  double step_loss(LossMode mode) {
    double sum = 0;
    for (model::Batch b : packs) {
      apply_loss_weights(b, mode, counts());
      sum += weighted_sum(b);
    }
    return sum;
  }
};

TEST_F(LossWeightsTest, SequenceModeIsTheMeanOfPerSequenceMeans) {
  double expected = 0;
  for (const model::Batch& b : packs) {
    std::vector<double> L, N;
    sequence_sums(b, L, N);
    for (size_t i = 0; i < L.size(); ++i) expected += N[i] > 0 ? L[i] / N[i] : 0.0;
  }
  expected /= 5;  // M counts every sequence of the step
  EXPECT_NEAR(step_loss(LossMode::sequence), expected, 1e-6);
}

TEST_F(LossWeightsTest, PackModeIsTheMeanOfPerPackMeans) {
  double expected = 0;
  for (const model::Batch& b : packs) {
    std::vector<double> L, N;
    sequence_sums(b, L, N);
    double l = 0, n = 0;
    for (size_t i = 0; i < L.size(); ++i) l += L[i], n += N[i];
    expected += l / n;
  }
  EXPECT_NEAR(step_loss(LossMode::pack), expected / 2, 1e-6);
}

TEST_F(LossWeightsTest, TokenModeIsTheMeanOverAllTargets) {
  double l = 0, n = 0;
  for (const model::Batch& b : packs) {
    std::vector<double> L, N;
    sequence_sums(b, L, N);
    for (size_t i = 0; i < L.size(); ++i) l += L[i], n += N[i];
  }
  EXPECT_NEAR(step_loss(LossMode::token), l / n, 1e-6);
}

TEST_F(LossWeightsTest, ASequenceWithoutTargetsGetsNoWeight) {
  model::Batch b = packs[1];
  apply_loss_weights(b, LossMode::sequence, counts());
  for (int32_t t = b.cu_seqlens[1]; t < b.cu_seqlens[2]; ++t) EXPECT_EQ(b.token_weights[t], 0.0f);
  for (float w : b.token_weights) EXPECT_FALSE(std::isnan(w));
}

// Peak 1e-3, 10 steps, 2 of warm-up: 0, 5e-4, then the decay over the remaining 8 steps.
TEST(LrSchedule, WarmupThenDecayAsWorkedOutByHand) {
  const double p = 1e-3;
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::cosine, p, 0, 10, 2), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::cosine, p, 1, 10, 2), 5e-4);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::cosine, p, 2, 10, 2), 1e-3);
  EXPECT_NEAR(learning_rate(Schedule::cosine, p, 6, 10, 2), 5e-4, 1e-15);  // halfway: cos(pi/2)
  EXPECT_NEAR(learning_rate(Schedule::cosine, p, 4, 10, 2),
              p * 0.5 * (1 + std::cos(std::numbers::pi / 4)), 1e-15);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::linear, p, 6, 10, 2), 5e-4);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::linear, p, 9, 10, 2), 1.25e-4);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::constant, p, 9, 10, 2), 1e-3);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::constant, p, 0, 10, 0), 1e-3);
}

}  // namespace
}  // namespace longalign::train
