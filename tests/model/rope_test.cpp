// RoPE: the frequency tables of every rope_scaling kind against the formulas of transformers'
// modeling_rope_utils.py written out here in double, and against values worked out separately
// (Python's math module, one expression each, as noted); then the rotation against a plain
// reference, its inverse and its transpose, in the llama and ChatGLM layouts.
#include "model/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "core/error.h"
#include "gtest/gtest.h"

namespace longalign::model {
namespace {

ModelConfig config_with(int64_t head_dim, int64_t max_position, RopeConfig rope) {
  ModelConfig c;
  c.family = Family::llama;
  c.head_dim = head_dim;
  c.max_position = max_position;
  c.rope = rope;
  return c;
}

std::vector<double> plain_frequencies(double base, int64_t dim) {
  std::vector<double> f(dim / 2);
  for (int64_t i = 0; i < dim / 2; ++i) f[i] = 1.0 / std::pow(base, 2.0 * i / dim);
  return f;
}

// fp32 tables agree with double formulas to a few float ulps.
void expect_table_near(const RopeTable& table, const std::vector<double>& want) {
  ASSERT_EQ(table.inv_freq.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(table.inv_freq[i], want[i], 2e-6 * want[i]) << "frequency " << i;
  }
}

TEST(RopeTable, DefaultFrequencies) {
  RopeConfig rope;
  rope.theta = 10000.0;
  const RopeTable table = make_rope_table(config_with(8, 2048, rope), 100);
  // 10000^(-2i/8) = 10^(-i): 1, 0.1, 0.01, 0.001.
  expect_table_near(table, {1.0, 0.1, 0.01, 0.001});
  EXPECT_EQ(table.rotary_dim, 8);
  EXPECT_EQ(table.attention_scale, 1.0f);

  rope.theta = 500000.0;
  expect_table_near(make_rope_table(config_with(128, 8192, rope), 1), plain_frequencies(5e5, 128));
}

TEST(RopeTable, LinearDividesByFactor) {
  RopeConfig rope;
  rope.scaling = RopeScaling::linear;
  rope.factor = 4.0;
  expect_table_near(make_rope_table(config_with(8, 2048, rope), 100),
                    {0.25, 0.025, 0.0025, 0.00025});
}

TEST(RopeTable, DynamicGrowsTheBasePastMaxPosition) {
  RopeConfig rope;
  rope.scaling = RopeScaling::dynamic;
  rope.factor = 2.0;
  const ModelConfig config = config_with(8, 1024, rope);
  // Up to max_position the frequencies are the plain ones.
  expect_table_near(make_rope_table(config, 1024), plain_frequencies(10000.0, 8));
  // At twice max_position: base = 10000 * (2 * 2 - 1)^(8 / 6) = 43267.487 (Python: 10000 *
  // 3 ** (4 / 3)), frequencies base^(-i/4): 1, 0.0693361274, 0.0048074986, 1/3000.
  expect_table_near(make_rope_table(config, 2048),
                    {1.0, 0.06933612743506347, 0.004807498567691361, 0.0003333333333333334});
  // The formula for another length, 3000 = 2.93 max_position.
  const double base = 10000.0 * std::pow(2.0 * 3000 / 1024 - 1.0, 8.0 / 6.0);
  expect_table_near(make_rope_table(config, 3000), plain_frequencies(base, 8));
}

// Llama 3.1's rule written out: wavelength 2 pi / f below original / high keeps f, above
// original / low takes f / factor, between mixes them with s = (original / wavelength - low) /
// (high - low): (1 - s) f / factor + s f.
std::vector<double> llama3_frequencies(double theta, int64_t dim, double factor, double low,
                                       double high, double original) {
  std::vector<double> f = plain_frequencies(theta, dim);
  for (double& x : f) {
    const double wavelength = 2 * std::numbers::pi / x;
    if (wavelength > original / low) {
      x /= factor;
    } else if (wavelength >= original / high) {
      const double s = (original / wavelength - low) / (high - low);
      x = (1 - s) * x / factor + s * x;
    }
  }
  return f;
}

TEST(RopeTable, Llama3SmoothsBetweenTheBands) {
  RopeConfig rope;  // Llama-3.1-8B's rope_scaling
  rope.theta = 500000.0;
  rope.scaling = RopeScaling::llama3;
  rope.factor = 8.0;
  rope.low_freq_factor = 1.0;
  rope.high_freq_factor = 4.0;
  rope.original_max_position = 8192;
  const RopeTable table = make_rope_table(config_with(128, 131072, rope), 1);
  expect_table_near(table, llama3_frequencies(500000.0, 128, 8.0, 1.0, 4.0, 8192.0));
  // Worked out in Python: i = 20 is high frequency (wavelength 379), kept: 500000^(-40/128)
  // = 0.01656044008; i = 30 (wavelength 2948) is in the band, s = 0.5928493, giving
  // 0.00137189357; i = 63 (wavelength 2.56e6) is low, 500000^(-126/128) / 8 = 3.068926e-7.
  EXPECT_NEAR(table.inv_freq[20], 0.016560440080994446, 1e-8);
  EXPECT_NEAR(table.inv_freq[30], 0.0013718935677611381, 1e-9);
  EXPECT_NEAR(table.inv_freq[63], 3.068925988914511e-07, 1e-12);
}

TEST(RopeTable, YarnRampsBetweenTheCorrectionDimensions) {
  RopeConfig rope;
  rope.theta = 10000.0;
  rope.scaling = RopeScaling::yarn;
  rope.factor = 4.0;
  rope.original_max_position = 2048;
  const RopeTable table = make_rope_table(config_with(64, 8192, rope), 1);
  // The dimension turning r times over 2048 positions: 64 ln(2048 / (2 pi r)) / (2 ln 10000):
  // r = beta_fast = 32 gives 8.064 -> floor 8; r = beta_slow = 1 gives 20.105 -> ceil 21.
  // ramp(i) = clamp((i - 8) / 13, 0, 1); f = f_plain / 4 * ramp + f_plain * (1 - ramp).
  std::vector<double> want = plain_frequencies(10000.0, 64);
  for (int64_t i = 0; i < 32; ++i) {
    const double ramp = std::clamp((i - 8.0) / 13.0, 0.0, 1.0);
    want[i] = want[i] / 4.0 * ramp + want[i] * (1.0 - ramp);
  }
  expect_table_near(table, want);
  // By hand: i <= 8 are untouched (f_8 = 10000^(-16/64) = 0.1), i >= 21 divided by 4; and the
  // scale is 0.1 ln 4 + 1 = 1.1386294.
  EXPECT_NEAR(table.inv_freq[8], 0.1, 1e-7);
  EXPECT_NEAR(table.inv_freq[31], 3.33380358040831e-05, 1e-10);
  EXPECT_NEAR(table.attention_scale, 1.1386294361, 1e-6);

  rope.attention_factor = 1.5;  // given in config.json: used as is
  EXPECT_EQ(make_rope_table(config_with(64, 8192, rope), 1).attention_scale, 1.5f);
}

TEST(RopeTable, ChatGlmRotatesHalfTheHead) {
  RopeConfig rope;
  rope.theta = 10000.0;
  rope.rotary_dim = 64;
  rope.interleaved = true;
  const RopeTable table = make_rope_table(config_with(128, 8192, rope), 1);
  EXPECT_EQ(table.rotary_dim, 64);
  EXPECT_TRUE(table.interleaved);
  expect_table_near(table, plain_frequencies(10000.0, 64));
}

TEST(RopeTable, RejectsARotaryDimBeyondTheHead) {
  RopeConfig rope;
  rope.rotary_dim = 130;
  EXPECT_THROW(make_rope_table(config_with(128, 8192, rope), 1), Error);
}

// A rotation problem: T tokens of `heads` heads in rows `ld` floats apart (ld > heads * D, the
// gap standing for the rest of the fused qkv row).
struct Rows {
  int64_t T, heads, D, ld;
  std::vector<float> x;
  std::vector<int32_t> positions;
};

Rows random_rows(int64_t T, int64_t heads, int64_t D, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  Rows r{T, heads, D, heads * D + 5, {}, {}};
  r.x.resize(T * r.ld);
  for (float& v : r.x) v = uniform(rng);
  for (int64_t t = 0; t < T; ++t) r.positions.push_back(static_cast<int32_t>((t * 37) % 5000));
  r.positions[0] = 0;
  return r;
}

// The rotation written plainly: pair i is (i, i + d/2) or, interleaved, (2i, 2i + 1); the angle
// is position * inv_freq in float32, as transformers takes it.
std::vector<double> rotate_reference(const Rows& r, const RopeTable& table) {
  std::vector<double> out(r.x.begin(), r.x.end());
  const int64_t pairs = table.rotary_dim / 2;
  for (int64_t t = 0; t < r.T; ++t) {
    for (int64_t h = 0; h < r.heads; ++h) {
      for (int64_t i = 0; i < pairs; ++i) {
        const int64_t base = t * r.ld + h * r.D;
        const int64_t ia = base + (table.interleaved ? 2 * i : i);
        const int64_t ib = table.interleaved ? ia + 1 : ia + pairs;
        const float angle = static_cast<float>(r.positions[t]) * table.inv_freq[i];
        const double c = std::cos(double(angle)) * table.attention_scale;
        const double s = std::sin(double(angle)) * table.attention_scale;
        out[ia] = r.x[ia] * c - r.x[ib] * s;
        out[ib] = r.x[ib] * c + r.x[ia] * s;
      }
    }
  }
  return out;
}

RopeTable table_for(bool chatglm, bool yarn) {
  RopeConfig rope;
  if (chatglm) {
    rope.rotary_dim = 8;
    rope.interleaved = true;
  }
  if (yarn) {
    rope.scaling = RopeScaling::yarn;
    rope.factor = 4.0;
    rope.original_max_position = 1024;
  }
  return make_rope_table(config_with(16, 4096, rope), 1);
}

TEST(RopeRotation, ForwardMatchesReference) {
  for (bool chatglm : {false, true}) {
    for (bool yarn : {false, true}) {
      const RopeTable table = table_for(chatglm, yarn);
      Rows r = random_rows(9, 3, 16, 11);
      const std::vector<double> want = rotate_reference(r, table);
      rope_forward(r.x.data(), r.ld, r.positions.data(), r.T, r.heads, r.D, table);
      // Angles up to 5000 radians: float cos/sin of the same float angle agree to ~1e-7.
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(r.x[i], want[i], 1e-5) << "chatglm " << chatglm << " yarn " << yarn << " " << i;
      }
    }
  }
}

TEST(RopeRotation, ChatGlmLeavesTheSecondHalfAndTheGapAlone) {
  const RopeTable table = table_for(true, false);
  Rows r = random_rows(4, 2, 16, 12);
  const std::vector<float> before = r.x;
  rope_forward(r.x.data(), r.ld, r.positions.data(), r.T, r.heads, r.D, table);
  for (int64_t t = 0; t < r.T; ++t) {
    for (int64_t j = 0; j < r.ld; ++j) {
      const bool rotated = j < r.heads * r.D && j % r.D < 8;
      if (!rotated) {
        EXPECT_EQ(r.x[t * r.ld + j], before[t * r.ld + j]) << t << " " << j;
      }
    }
  }
  // By hand: position 1, the pair (1, 0) at dims (0, 1) turns by 1 radian to (cos 1, sin 1).
  std::vector<float> head(16, 0.0f);
  head[0] = 1.0f;
  const int32_t one = 1;
  rope_forward(head.data(), 16, &one, 1, 1, 16, table);
  EXPECT_NEAR(head[0], 0.5403023, 1e-6);
  EXPECT_NEAR(head[1], 0.8414710, 1e-6);
}

TEST(RopeRotation, BackwardUndoesForward) {
  for (bool chatglm : {false, true}) {
    const RopeTable table = table_for(chatglm, false);
    Rows r = random_rows(7, 2, 16, 13);
    const std::vector<float> before = r.x;
    rope_forward(r.x.data(), r.ld, r.positions.data(), r.T, r.heads, r.D, table);
    rope_backward(r.x.data(), r.ld, r.positions.data(), r.T, r.heads, r.D, table);
    for (size_t i = 0; i < before.size(); ++i) EXPECT_NEAR(r.x[i], before[i], 1e-5) << i;
  }
}

TEST(RopeRotation, BackwardIsTheTranspose) {
  // <R x, y> = <x, R^T y> for random x, y, with yarn's scale so R is not orthogonal.
  for (bool chatglm : {false, true}) {
    const RopeTable table = table_for(chatglm, true);
    Rows x = random_rows(6, 2, 16, 14), y = random_rows(6, 2, 16, 15);
    y.positions = x.positions;
    const std::vector<float> x0 = x.x, y0 = y.x;
    rope_forward(x.x.data(), x.ld, x.positions.data(), x.T, x.heads, x.D, table);
    rope_backward(y.x.data(), y.ld, y.positions.data(), y.T, y.heads, y.D, table);
    double rx_y = 0.0, x_rty = 0.0;
    for (size_t i = 0; i < x0.size(); ++i) {
      rx_y += double(x.x[i]) * y0[i];
      x_rty += double(x0[i]) * y.x[i];
    }
    EXPECT_NEAR(rx_y, x_rty, 1e-4) << "chatglm " << chatglm;
  }
}

}  // namespace
}  // namespace longalign::model
