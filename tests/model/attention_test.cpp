#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "gtest/gtest.h"
#include "model/attention_kernels.h"
#include "model/cpu_features.h"

namespace longalign::model {
namespace {

// A random pack: qkv and the upstream gradient dout, uniform in [-2, 2).
struct Pack {
  std::vector<int32_t> cu_seqlens;
  AttentionShape shape;
  std::vector<float> qkv, dout;
};

Pack make_pack(const std::vector<int32_t>& lengths, int64_t H, int64_t G, int64_t D,
               uint64_t seed) {
  Pack p;
  p.cu_seqlens.push_back(0);
  for (int32_t n : lengths) p.cu_seqlens.push_back(p.cu_seqlens.back() + n);
  const int64_t T = p.cu_seqlens.back();
  p.shape = {nullptr,
             static_cast<int64_t>(lengths.size()),
             T,
             H,
             G,
             D,
             static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)))};
  uint64_t state = seed;
  auto uniform = [&state] { return static_cast<float>((splitmix64(state) >> 40) * 0x1p-22 - 2.0); };
  p.qkv.resize(T * (H + 2 * G) * D);
  p.dout.resize(T * H * D);
  for (float& x : p.qkv) x = uniform();
  for (float& x : p.dout) x = uniform();
  return p;
}

AttentionShape shape_of(const Pack& p) {
  AttentionShape s = p.shape;
  s.cu_seqlens = p.cu_seqlens.data();
  return s;
}

// The naive attention in double, one query row at a time, and its analytic backward:
//   s_j = scale q.k_j (j <= i in the sequence), lse = log sum_j e^s_j, p_j = e^(s_j - lse),
//   out = sum_j p_j v_j;  dp_j = dO.v_j, ds_j = p_j (dp_j - sum_l p_l dp_l),
//   dq = scale sum_j ds_j k_j, dk_j += scale ds_j q, dv_j += p_j dO.
struct Reference {
  std::vector<double> out, lse, dqkv;
};

Reference reference(const Pack& pack, const std::vector<double>& qkv) {
  const AttentionShape& s = pack.shape;
  const int64_t H = s.H, G = s.G, D = s.D, T = s.T, row = (H + 2 * G) * D;
  Reference ref{std::vector<double>(T * H * D), std::vector<double>(H * T),
                std::vector<double>(T * row)};
  for (size_t seq = 0; seq + 1 < pack.cu_seqlens.size(); ++seq) {
    const int64_t begin = pack.cu_seqlens[seq];
    for (int64_t h = 0; h < H; ++h) {
      const int64_t qc = h * D, kc = (H + h / (H / G)) * D, vc = kc + G * D;
      for (int64_t i = begin; i < pack.cu_seqlens[seq + 1]; ++i) {
        std::vector<double> p(i - begin + 1), dp(p.size());
        double max = -std::numeric_limits<double>::infinity(), sum = 0, p_dot_dp = 0;
        for (int64_t j = begin; j <= i; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += qkv[i * row + qc + d] * qkv[j * row + kc + d];
          p[j - begin] = s.scale * dot;
          max = std::max(max, p[j - begin]);
        }
        for (double& x : p) sum += std::exp(x - max);
        const double lse = max + std::log(sum);
        ref.lse[h * T + i] = lse;
        for (int64_t j = begin; j <= i; ++j) {
          double& pj = p[j - begin];
          pj = std::exp(pj - lse);
          for (int64_t d = 0; d < D; ++d) {
            ref.out[(i * H + h) * D + d] += pj * qkv[j * row + vc + d];
            dp[j - begin] += pack.dout[(i * H + h) * D + d] * qkv[j * row + vc + d];
          }
          p_dot_dp += pj * dp[j - begin];
        }
        for (int64_t j = begin; j <= i; ++j) {
          const double pj = p[j - begin], ds = pj * (dp[j - begin] - p_dot_dp);
          for (int64_t d = 0; d < D; ++d) {
            ref.dqkv[i * row + qc + d] += s.scale * ds * qkv[j * row + kc + d];
            ref.dqkv[j * row + kc + d] += s.scale * ds * qkv[i * row + qc + d];
            ref.dqkv[j * row + vc + d] += pj * pack.dout[(i * H + h) * D + d];
          }
        }
      }
    }
  }
  return ref;
}

Reference reference(const Pack& pack) {
  return reference(pack, std::vector<double>(pack.qkv.begin(), pack.qkv.end()));
}

struct Result {
  std::vector<float> out, lse, dqkv;
};

// Runs the kernels; dqkv starts as NaN to check that the backward overwrites all of it.
Result run(Precision precision, const Pack& pack) {
  const AttentionShape s = shape_of(pack);
  Result r{std::vector<float>(s.T * s.H * s.D), std::vector<float>(s.H * s.T),
           std::vector<float>(pack.qkv.size(), std::numeric_limits<float>::quiet_NaN())};
  attention_forward(precision, r.out.data(), r.lse.data(), pack.qkv.data(), s);
  attention_backward(precision, r.dqkv.data(), pack.dout.data(), pack.qkv.data(), r.out.data(),
                     r.lse.data(), s);
  return r;
}

// Runs with the generic kernels forced on or left to the CPU's choice.
Result run_path(Precision precision, const Pack& pack, bool generic) {
  force_generic_attention_kernel(generic);
  Result r = run(precision, pack);
  force_generic_attention_kernel(false);
  return r;
}

// |got - want| <= tol (|want| + max |want|): relative, with a floor at the array's scale so that
// near-zero entries are not held to a relative bound.
template <class Want>
void expect_close(const std::vector<float>& got, const std::vector<Want>& want, double tol,
                  const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 0;
  for (Want w : want) scale = std::max(scale, std::abs(static_cast<double>(w)));
  double worst = 0;
  size_t worst_at = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(got[i] - static_cast<double>(want[i])) /
                       (std::abs(static_cast<double>(want[i])) + scale);
    if (!(err <= worst)) worst_at = i;
    worst = std::max(worst, std::isnan(err) ? 1e30 : err);
  }
  EXPECT_LE(worst, tol) << what << " at " << worst_at << ": got " << got[worst_at] << " want "
                        << want[worst_at];
}

void expect_matches_reference(Precision precision, bool generic, double tol) {
  const std::vector<int32_t> lengths = {1, 7, 64, 65, 130, 3};
  struct Heads {
    int64_t H, G, D;
  };
  for (Heads c :
       {Heads{2, 2, 16}, Heads{4, 2, 64}, Heads{8, 1, 128}, Heads{2, 1, 6}, Heads{2, 2, 256}}) {
    SCOPED_TRACE("H=" + std::to_string(c.H) + " G=" + std::to_string(c.G) +
                 " D=" + std::to_string(c.D));
    const Pack pack = make_pack(lengths, c.H, c.G, c.D, 7 + c.D);
    const Reference ref = reference(pack);
    const Result got = run_path(precision, pack, generic);
    expect_close(got.out, ref.out, tol, "out");
    expect_close(got.lse, ref.lse, tol, "lse");
    expect_close(got.dqkv, ref.dqkv, tol, "dqkv");
  }
}

TEST(Attention, ReferenceBackwardMatchesFiniteDifferences) {
  // loss = sum(out * dout), so dloss/dqkv is the reference backward of dout.
  const Pack pack = make_pack({3, 2}, 2, 1, 4, 1);
  const std::vector<double> qkv(pack.qkv.begin(), pack.qkv.end());
  const Reference ref = reference(pack, qkv);
  auto loss = [&](const std::vector<double>& x) {
    const std::vector<double> out = reference(pack, x).out;
    double sum = 0;
    for (size_t i = 0; i < out.size(); ++i) sum += out[i] * pack.dout[i];
    return sum;
  };
  const double eps = 1e-6;
  for (size_t i = 0; i < qkv.size(); ++i) {
    std::vector<double> plus = qkv, minus = qkv;
    plus[i] += eps;
    minus[i] -= eps;
    EXPECT_NEAR(ref.dqkv[i], (loss(plus) - loss(minus)) / (2 * eps), 1e-7) << "element " << i;
  }
}

// fp32: about 1e-6 measured against the double reference (float sums over up to 130 keys).
// bf16: operands carry 8 significant bits (relative error 2^-9); the worst error measured is about
// 5e-3, held to 2e-2.
TEST(Attention, Fp32MatchesReference) {
  expect_matches_reference(Precision::fp32, true, 1e-5);
}

TEST(Attention, Bf16GenericMatchesReference) {
  expect_matches_reference(Precision::bf16, true, 2e-2);
}

TEST(Attention, Bf16Avx512MatchesReference) {
  if (!cpu_features().avx512_bf16) GTEST_SKIP() << "no AVX-512 BF16 on this CPU";
  ASSERT_EQ(attention_kernel(Precision::bf16), AttentionKernel::avx512_bf16);
  expect_matches_reference(Precision::bf16, false, 2e-2);
}

// Both bf16 paths multiply the same rounded operands; only the fp32 summation order differs (and,
// rarely, which way a P or dS entry rounds to bf16): about 3e-7 measured, held to 1e-4.
TEST(Attention, Bf16PathsAgree) {
  if (!cpu_features().avx512_bf16) GTEST_SKIP() << "no AVX-512 BF16 on this CPU";
  const Pack pack = make_pack({130, 1, 77}, 8, 2, 64, 3);
  const Result generic = run_path(Precision::bf16, pack, true);
  const Result fast = run_path(Precision::bf16, pack, false);
  expect_close(fast.out, generic.out, 1e-4, "out");
  expect_close(fast.lse, generic.lse, 1e-4, "lse");
  expect_close(fast.dqkv, generic.dqkv, 1e-4, "dqkv");
}

// Tiles never mix sequences, so attention over a pack is attention over each sequence alone, to
// the bit.
TEST(Attention, PackEqualsSequencesAlone) {
  const std::vector<int32_t> lengths = {65, 1, 130, 7};
  const int64_t H = 4, G = 2, D = 64;
  for (bool generic : {true, false}) {
    for (Precision precision : {Precision::fp32, Precision::bf16}) {
      const Pack pack = make_pack(lengths, H, G, D, 11);
      const Result whole = run_path(precision, pack, generic);
      const int64_t row = (H + 2 * G) * D;
      for (size_t seq = 0; seq < lengths.size(); ++seq) {
        const int64_t t0 = pack.cu_seqlens[seq], n = lengths[seq];
        Pack alone = make_pack({lengths[seq]}, H, G, D, 0);
        std::copy_n(pack.qkv.begin() + t0 * row, n * row, alone.qkv.begin());
        std::copy_n(pack.dout.begin() + t0 * H * D, n * H * D, alone.dout.begin());
        const Result part = run_path(precision, alone, generic);
        for (int64_t i = 0; i < n * H * D; ++i) {
          ASSERT_EQ(part.out[i], whole.out[t0 * H * D + i]) << "seq " << seq << " out " << i;
        }
        for (int64_t i = 0; i < n * row; ++i) {
          ASSERT_EQ(part.dqkv[i], whole.dqkv[t0 * row + i]) << "seq " << seq << " dqkv " << i;
        }
        for (int64_t h = 0; h < H; ++h) {
          for (int64_t i = 0; i < n; ++i) {
            ASSERT_EQ(part.lse[h * n + i], whole.lse[h * pack.shape.T + t0 + i]);
          }
        }
      }
    }
  }
}

TEST(Attention, RejectsBadShapes) {
  Pack pack = make_pack({4, 4}, 4, 2, 8, 5);
  std::vector<float> out(8 * 4 * 8), lse(4 * 8);
  AttentionShape s = shape_of(pack);
  s.G = 3;
  EXPECT_THROW(attention_forward(Precision::fp32, out.data(), lse.data(), pack.qkv.data(), s),
               Error);
  s = shape_of(pack);
  s.D = 7;
  EXPECT_THROW(attention_forward(Precision::fp32, out.data(), lse.data(), pack.qkv.data(), s),
               Error);
  s = shape_of(pack);
  s.T = 9;
  EXPECT_THROW(attention_forward(Precision::fp32, out.data(), lse.data(), pack.qkv.data(), s),
               Error);
}

}  // namespace
}  // namespace longalign::model
