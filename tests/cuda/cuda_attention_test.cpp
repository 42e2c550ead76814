// The GPU's varlen causal GQA attention against a naive double-precision reference written here:
// packs of sequences of 1, 7, 64, 65, 130 and 4097 tokens (tile edges, a sequence of one token,
// many tiles), GQA ratios 1, 2 and 8, forward output and every input gradient, on both
// implementations (CUDA cores in fp32, tensor cores in bf16).
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "cuda/attention.h"
#include "cuda/device_memory.h"
#include "gpu_test_support.h"

namespace longalign::cuda {
namespace {

using testing::relative_l2;

struct Shape {
  int64_t T, H, G, D;
  std::vector<int32_t> cu_seqlens;
};

// out [T, H D] and dqkv [T, (H + 2G) D] of the reference, in double.
void reference(const Shape& s, const std::vector<float>& qkv, const std::vector<float>& dout,
               std::vector<double>& out, std::vector<double>& dqkv) {
  const int64_t ld = (s.H + 2 * s.G) * s.D, HD = s.H * s.D;
  const double scale = 1.0 / std::sqrt(double(s.D));
  out.assign(s.T * HD, 0.0);
  dqkv.assign(s.T * ld, 0.0);
  auto q = [&](int64_t t, int64_t h, int64_t d) { return double(qkv[t * ld + h * s.D + d]); };
  auto k = [&](int64_t t, int64_t g, int64_t d) {
    return double(qkv[t * ld + (s.H + g) * s.D + d]);
  };
  auto v = [&](int64_t t, int64_t g, int64_t d) {
    return double(qkv[t * ld + (s.H + s.G + g) * s.D + d]);
  };
  // Kv groups in parallel: a group's query heads are the only writers of its k and v gradients.
#pragma omp parallel for
  for (int64_t g = 0; g < s.G; ++g) {
    for (size_t seq = 0; seq + 1 < s.cu_seqlens.size(); ++seq) {
      const int64_t begin = s.cu_seqlens[seq];
      for (int64_t h = g * (s.H / s.G); h < (g + 1) * (s.H / s.G); ++h) {
        for (int64_t i = begin; i < s.cu_seqlens[seq + 1]; ++i) {
          const int64_t n = i - begin + 1;
          std::vector<double> p(n), dp(n);
          double m = -1e300, z = 0, row = 0;
          for (int64_t j = 0; j < n; ++j) {
            double dot = 0;
            for (int64_t d = 0; d < s.D; ++d) dot += q(i, h, d) * k(begin + j, g, d);
            p[j] = dot * scale;
            m = std::max(m, p[j]);
          }
          for (double& x : p) z += (x = std::exp(x - m));
          for (int64_t j = 0; j < n; ++j) {
            p[j] /= z;
            double dot = 0;
            for (int64_t d = 0; d < s.D; ++d) {
              out[i * HD + h * s.D + d] += p[j] * v(begin + j, g, d);
              dot += double(dout[i * HD + h * s.D + d]) * v(begin + j, g, d);
            }
            dp[j] = dot;
            row += p[j] * dot;
          }
          for (int64_t j = 0; j < n; ++j) {
            const double ds = p[j] * (dp[j] - row);
            for (int64_t d = 0; d < s.D; ++d) {
              dqkv[i * ld + h * s.D + d] += scale * ds * k(begin + j, g, d);
              dqkv[(begin + j) * ld + (s.H + g) * s.D + d] += scale * ds * q(i, h, d);
              dqkv[(begin + j) * ld + (s.H + s.G + g) * s.D + d] +=
                  p[j] * double(dout[i * HD + h * s.D + d]);
            }
          }
        }
      }
    }
  }
}

template <typename T>
DeviceBuffer<T> to_device(const std::vector<T>& host) {
  DeviceBuffer<T> d(static_cast<int64_t>(host.size()));
  EXPECT_EQ(cudaMemcpy(d.get(), host.data(), sizeof(T) * host.size(), cudaMemcpyHostToDevice),
            cudaSuccess);
  return d;
}

std::vector<float> to_host(const DeviceBuffer<float>& d) {
  std::vector<float> host(d.size());
  EXPECT_EQ(cudaMemcpy(host.data(), d.get(), sizeof(float) * host.size(), cudaMemcpyDeviceToHost),
            cudaSuccess);
  return host;
}

std::vector<float> as_float(const std::vector<double>& x) {
  return std::vector<float>(x.begin(), x.end());
}

void check(model::Precision precision, int64_t H, int64_t G, int64_t D, double tolerance) {
  Shape s{0, H, G, D, {0}};
  for (int n : {1, 7, 64, 65, 130, 4097}) s.cu_seqlens.push_back(s.cu_seqlens.back() + n);
  s.T = s.cu_seqlens.back();
  const int64_t ld = (H + 2 * G) * D;
  std::mt19937 rng(uint32_t(H * 100 + G * 10 + D));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> qkv(s.T * ld), dout(s.T * H * D);
  for (float& x : qkv) x = normal(rng);
  for (float& x : dout) x = normal(rng);
  std::vector<double> ref_out, ref_dqkv;
  reference(s, qkv, dout, ref_out, ref_dqkv);

  const std::vector<AttentionTile> tiles = attention_tiles(s.cu_seqlens);
  const auto d_tiles = to_device(tiles);
  const auto d_qkv = to_device(qkv), d_dout = to_device(dout);
  DeviceBuffer<float> d_out(s.T * H * D), d_lse(H * s.T), d_dqkv(s.T * ld), d_delta(H * s.T);
  const DeviceAttention a{d_tiles.get(),
                          static_cast<int64_t>(tiles.size()),
                          s.T,
                          H,
                          G,
                          D,
                          static_cast<float>(1.0 / std::sqrt(double(D)))};
  attention_forward(precision, d_out.get(), d_lse.get(), d_qkv.get(), a, nullptr);
  attention_backward(precision, d_dqkv.get(), d_dout.get(), d_qkv.get(), d_out.get(), d_lse.get(),
                     d_delta.get(), a, nullptr);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  SCOPED_TRACE(std::string(attention_implementation(precision, D)) + ", H " + std::to_string(H) +
               ", G " + std::to_string(G) + ", D " + std::to_string(D));
  EXPECT_LT(relative_l2(to_host(d_out), as_float(ref_out)), tolerance);
  const std::vector<float> dqkv = to_host(d_dqkv);
  const std::vector<float> ref = as_float(ref_dqkv);
  // q, k and v gradients separately, so a wrong one cannot hide behind the others.
  for (int part = 0; part < 3; ++part) {
    const int64_t begin = part == 0 ? 0 : part == 1 ? H * D : (H + G) * D;
    const int64_t width = part == 0 ? H * D : G * D;
    std::vector<float> got, want;
    for (int64_t t = 0; t < s.T; ++t) {
      for (int64_t c = 0; c < width; ++c) {
        got.push_back(dqkv[t * ld + begin + c]);
        want.push_back(ref[t * ld + begin + c]);
      }
    }
    EXPECT_LT(relative_l2(got, want), tolerance) << "d"
                                                 << "qkv"[part];
  }
}

TEST(CudaAttention, Fp32MatchesTheReference) {
  LONGALIGN_REQUIRE_GPU();
  for (const auto& [H, G] : {std::pair{4, 4}, {4, 2}, {8, 1}})
    check(model::Precision::fp32, H, G, 24, 1e-5);
}

TEST(CudaAttention, TensorCoresMatchTheReference) {
  LONGALIGN_REQUIRE_GPU();
  for (const auto& [H, G, D] :
       {std::tuple{4, 4, 64}, {4, 2, 64}, {8, 1, 64}, {4, 2, 16}, {4, 2, 128}}) {
    check(model::Precision::bf16, H, G, D, 2e-2);
  }
}

TEST(CudaAttention, TilesNeverCrossASequence) {
  const auto tiles = attention_tiles({0, 1, 65, 200});
  ASSERT_EQ(tiles.size(), 1u + 1u + 3u);
  EXPECT_EQ(tiles[1].begin, 1);
  EXPECT_EQ(tiles[1].end, 65);
  EXPECT_EQ(tiles[4].begin, 193);
  EXPECT_EQ(tiles[4].end, 200);
  EXPECT_EQ(tiles[4].seq_begin, 65);
  EXPECT_EQ(tiles[4].seq_end, 200);
}

}  // namespace
}  // namespace longalign::cuda
