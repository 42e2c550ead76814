// model::matmul against a naive triple loop in double, over random odd shapes, all four transpose
// combinations, padded leading dimensions and accumulation; and the bulk bf16 conversions against
// the scalar ones (hence the vector paths against each other: both must equal the scalar one).
#include "model/gemm.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "gtest/gtest.h"
#include "model/bf16.h"

namespace longalign::model {
namespace {

uint32_t bits_of(float x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

float float_of(uint32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

TEST(Bf16, ScalarRoundsToNearestEven) {
  // 1 + 2^-8 lies halfway between the bf16 neighbours 1 (0x3f80) and 1 + 2^-7 (0x3f81): ties go
  // to the even 0x3f80. 1 + 3 * 2^-8 lies halfway between 0x3f81 and 0x3f82: even is 0x3f82.
  EXPECT_EQ(to_bf16(float_of(0x3f808000u)), 0x3f80);
  EXPECT_EQ(to_bf16(float_of(0x3f818000u)), 0x3f82);
  EXPECT_EQ(to_bf16(float_of(0x3f808001u)), 0x3f81);  // just above half: up
  EXPECT_EQ(to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(to_bf16(float_of(0x7f7fffffu)), 0x7f80);  // the largest float rounds to infinity
  EXPECT_EQ(to_bf16(float_of(0x7f800001u)), 0x7fc0);  // a signalling NaN comes back quiet
  EXPECT_EQ(from_bf16(0x3fc0), 1.5f);
}

// Values that the vector paths must get right: ties, NaNs, infinities, subnormals (which the
// AVX512_BF16 instruction alone would flush to zero), signed zeros, then random bit patterns.
std::vector<float> conversion_inputs(int64_t n) {
  const uint32_t special[] = {0x3f808000u, 0x3f818000u, 0x7f800001u, 0xff800001u, 0x7fc00000u,
                              0x7f800000u, 0xff800000u, 0x7f7fffffu, 0x00000001u, 0x007fffffu,
                              0x00400000u, 0x807f8000u, 0x00000000u, 0x80000000u, 0x00800000u};
  std::mt19937 rng(7);
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = float_of(rng());
  for (int64_t i = 0; i < n; i += 97) x[i] = float_of(special[(i / 97) % std::size(special)]);
  return x;
}

TEST(Bf16, BulkEqualsScalarBitForBit) {
  for (int64_t n : {0, 5, 31, 33, 1000, 70001}) {
    const std::vector<float> x = conversion_inputs(n);
    std::vector<bf16> y(n);
    to_bf16(y.data(), x.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(y[i], to_bf16(x[i])) << "n " << n << " i " << i << " bits " << bits_of(x[i]);
    }
    std::vector<float> back(n);
    from_bf16(back.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(bits_of(back[i]), uint32_t{y[i]} << 16);
  }
}

struct Case {
  int64_t M, N, K;
  bool a_transposed, b_transposed, accumulate;
  int64_t pad;  // added to every leading dimension
};

// Stored operand: `rows` x `cols` as the product sees it, memory cols x rows when transposed.
struct Stored {
  std::vector<float> data;
  int64_t ld;
  bool transposed;

  float at(int64_t r, int64_t c) const { return transposed ? data[c * ld + r] : data[r * ld + c]; }
};

Stored random_stored(std::mt19937& rng, int64_t rows, int64_t cols, bool transposed, int64_t pad) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const int64_t lines = transposed ? cols : rows, width = transposed ? rows : cols;
  Stored s{std::vector<float>(lines * (width + pad)), width + pad, transposed};
  for (float& v : s.data) v = uniform(rng);
  return s;
}

// C = A B (+ C0) in double, from the values `round` makes of the operands.
template <class Round>
std::vector<double> naive(const Case& c, const Stored& a, const Stored& b,
                          const std::vector<float>& c0, int64_t ldc, Round round) {
  std::vector<double> out(c.M * c.N);
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < c.N; ++j) {
      double sum = c.accumulate ? c0[i * ldc + j] : 0.0;
      for (int64_t k = 0; k < c.K; ++k) sum += double(round(a.at(i, k))) * round(b.at(k, j));
      out[i * c.N + j] = sum;
    }
  }
  return out;
}

enum class Inputs { fp32, bf16_rounded, bf16_given };

// Runs one case and compares with the naive product. Accumulation in fp32 over K terms of size
// <= 1 errs by about K * 2^-24 relative to sum |a||b| <= K; 1e-5 * K leaves a wide margin while a
// wrong element, transpose or missing term is off by O(1).
void check(const Case& c, Inputs inputs, uint32_t seed) {
  std::mt19937 rng(seed);
  const Stored a = random_stored(rng, c.M, c.K, c.a_transposed, c.pad);
  const Stored b = random_stored(rng, c.K, c.N, c.b_transposed, c.pad);
  const int64_t ldc = c.N + c.pad;
  std::vector<float> out(c.M * ldc);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (float& v : out) v = uniform(rng);
  const std::vector<float> before = out;
  std::vector<bf16> a16(a.data.size()), b16(b.data.size());
  to_bf16(a16.data(), a.data.data(), static_cast<int64_t>(a.data.size()));
  to_bf16(b16.data(), b.data.data(), static_cast<int64_t>(b.data.size()));
  const auto operand = [&](const Stored& s, const std::vector<bf16>& s16) {
    if (inputs == Inputs::bf16_given) {
      return s.transposed ? transposed(s16.data(), s.ld) : plain(s16.data(), s.ld);
    }
    return s.transposed ? transposed(s.data.data(), s.ld) : plain(s.data.data(), s.ld);
  };
  const Precision precision = inputs == Inputs::fp32 ? Precision::fp32 : Precision::bf16;
  matmul(precision, c.M, c.N, c.K, operand(a, a16), operand(b, b16), out.data(), ldc, c.accumulate);
  const std::vector<double> want = inputs == Inputs::fp32
                                       ? naive(c, a, b, before, ldc, [](float v) { return v; })
                                       : naive(c, a, b, before, ldc, round_bf16);
  const double tolerance = 1e-5 * (c.K + 1);
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const std::string where = "M " + std::to_string(c.M) + " N " + std::to_string(c.N) + " K " +
                                std::to_string(c.K) + " ta " + std::to_string(c.a_transposed) +
                                " tb " + std::to_string(c.b_transposed) + " acc " +
                                std::to_string(c.accumulate) + " at " + std::to_string(i) + "," +
                                std::to_string(j);
      if (j < c.N) {
        ASSERT_NEAR(out[i * ldc + j], want[i * c.N + j], tolerance) << where;
      } else {
        ASSERT_EQ(out[i * ldc + j], before[i * ldc + j]) << "padding written, " << where;
      }
    }
  }
}

std::vector<Case> cases() {
  const int64_t shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {17, 33, 9}, {64, 48, 80}, {3, 70, 129}};
  std::vector<Case> out;
  for (const auto& s : shapes) {
    for (int transposes = 0; transposes < 4; ++transposes) {
      for (bool accumulate : {false, true}) {
        out.push_back({s[0], s[1], s[2], (transposes & 1) != 0, (transposes & 2) != 0, accumulate,
                       (s[0] + s[2]) % 4});
      }
    }
  }
  return out;
}

TEST(Matmul, Fp32MatchesNaive) {
  uint32_t seed = 1;
  for (const Case& c : cases()) check(c, Inputs::fp32, seed++);
}

TEST(Matmul, Bf16MatchesNaiveOverRoundedInputs) {
  uint32_t seed = 100;
  for (const Case& c : cases()) check(c, Inputs::bf16_rounded, seed++);
  EXPECT_STRNE(matmul_bf16_isa(), "none yet");
}

TEST(Matmul, Bf16OperandsGivenDirectly) {
  uint32_t seed = 200;
  for (const Case& c : cases()) check(c, Inputs::bf16_given, seed++);
}

TEST(Matmul, Bf16RoundsFp32Operands) {
  // 1 + 2^-9 is not a bf16 number: it rounds to 1, so the bf16 product is 1 where fp32 gives
  // 1 + 2^-9.
  const float a = 1.0f + 1.0f / 512.0f, b = 1.0f;
  float c32 = 0.0f, c16 = 0.0f;
  matmul(Precision::fp32, 1, 1, 1, plain(&a, 1), plain(&b, 1), &c32, 1, false);
  matmul(Precision::bf16, 1, 1, 1, plain(&a, 1), plain(&b, 1), &c16, 1, false);
  EXPECT_EQ(c32, a);
  EXPECT_EQ(c16, 1.0f);
}

TEST(Matmul, EmptyInnerDimensionZeroesOrKeeps) {
  float c[2] = {3.0f, 4.0f};
  const float unused = 0.0f;
  matmul(Precision::fp32, 1, 2, 0, plain(&unused, 1), plain(&unused, 2), c, 2, true);
  EXPECT_EQ(c[0], 3.0f);
  matmul(Precision::fp32, 1, 2, 0, plain(&unused, 1), plain(&unused, 2), c, 2, false);
  EXPECT_EQ(c[0], 0.0f);
  EXPECT_EQ(c[1], 0.0f);
}

TEST(Matmul, RejectsBadOperands) {
  std::vector<float> a(12), b(12), c(16);
  std::vector<bf16> a16(12);
  EXPECT_THROW(
      matmul(Precision::fp32, 3, 4, 4, plain(a.data(), 3), plain(b.data(), 4), c.data(), 4, false),
      Error);
  EXPECT_THROW(matmul(Precision::fp32, 3, 4, 4, plain(a16.data(), 4), plain(b.data(), 4), c.data(),
                      4, false),
               Error);
}

}  // namespace
}  // namespace longalign::model
