// Attention on tensor cores: WMMA 16x16x16 products with bf16 operands and fp32 accumulation,
// FlashAttention-2's loop order. A block of 4 warps takes a tile of 64 rows; each warp owns 16 of
// them. Operands are rounded to bf16 as they are loaded from the fp32 activations into shared
// memory, as the probabilities are before their products. Scores are in log2 units,
// c = scale log2(e).
//
// Shared memory rows are padded (bf16 rows by 8 elements, fp32 rows by 4) so that WMMA's loads do
// not all hit one bank, and every block of 16 rows starts 32-byte aligned as WMMA requires.
#include <mma.h>

#include <cmath>

#include "cuda/attention_kernels.h"
#include "cuda/launch.h"

namespace longalign::cuda {
namespace {

using namespace nvcuda;
using bf16 = __nv_bfloat16;

constexpr int kTile = kAttentionTile;  // rows per block
constexpr int kWarps = 4;              // 16 rows each
constexpr int kLdS = kTile + 4;        // fp32 score rows
constexpr int kLdP = kTile + 8;        // bf16 probability rows
constexpr float kLog2e = 1.4426950408889634f;

using FragA = wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major>;
using FragBRow = wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major>;
using FragBCol = wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major>;
using FragAcc = wmma::fragment<wmma::accumulator, 16, 16, 16, float>;

struct Layout {
  int64_t T, ld, H, G, group;  // ld: qkv's row length; group = H / G
};

template <int D>
struct Ld {
  static constexpr int kH = D + 8;  // bf16 operand rows
  static constexpr int kO = D + 4;  // fp32 output rows
};

// Rows [first, first + n) of a head's D columns, rounded to bf16, into dst [kTile, D + 8]; rows
// past n are 0 so that masked products never meet garbage.
template <int D>
__device__ void load_tile(bf16* dst, const float* src, int64_t first, int n, int64_t ld,
                          int64_t column) {
  for (int i = threadIdx.x; i < kTile * D; i += blockDim.x) {
    const int r = i / D, d = i % D;
    const float x = r < n ? src[(first + r) * ld + column + d] : 0.0f;
    dst[r * Ld<D>::kH + d] = __float2bfloat16_rn(x);
  }
}

// s[16, 64] = a[16 rows, D] b[64 rows, D]^T: one warp's scores (or dP) against a whole tile.
template <int D>
__device__ void rows_times_tile_t(float* s, const bf16* a, const bf16* b) {
  for (int j = 0; j < kTile / 16; ++j) {
    FragAcc acc;
    wmma::fill_fragment(acc, 0.0f);
    for (int kk = 0; kk < D / 16; ++kk) {
      FragA fa;
      FragBCol fb;
      wmma::load_matrix_sync(fa, a + kk * 16, Ld<D>::kH);
      wmma::load_matrix_sync(fb, b + j * 16 * Ld<D>::kH + kk * 16, Ld<D>::kH);
      wmma::mma_sync(acc, fa, fb, acc);
    }
    wmma::store_matrix_sync(s + j * 16, acc, kLdS, wmma::mem_row_major);
  }
}

// acc[j] += p[16, 64] tile[64, D] for each 16-column block j of D.
template <int D>
__device__ void accumulate_p_times_tile(FragAcc* acc, const bf16* p, const bf16* tile) {
  for (int j = 0; j < D / 16; ++j) {
    for (int kk = 0; kk < kTile / 16; ++kk) {
      FragA fa;
      FragBRow fb;
      wmma::load_matrix_sync(fa, p + kk * 16, kLdP);
      wmma::load_matrix_sync(fb, tile + kk * 16 * Ld<D>::kH + j * 16, Ld<D>::kH);
      wmma::mma_sync(acc[j], fa, fb, acc[j]);
    }
  }
}

// Writes a warp's accumulators [16, D], times `factor`, to rows [first, first + n) of dst at
// `column`, through `stage` (16 x kLdS floats of the warp's scratch).
template <int D>
__device__ void store_rows(float* dst, int64_t ld, int64_t column, int64_t first, int n,
                           FragAcc* acc, float factor, float* stage) {
  const int lane = threadIdx.x % 32;
  for (int j = 0; j < D / 16; ++j) {
    wmma::store_matrix_sync(stage, acc[j], kLdS, wmma::mem_row_major);
    __syncwarp();
    for (int i = lane; i < 256; i += 32) {
      const int r = i / 16, cc = i % 16;
      if (r < n) dst[(first + r) * ld + column + j * 16 + cc] = stage[r * kLdS + cc] * factor;
    }
    __syncwarp();
  }
}

template <int D>
struct ForwardSmem {
  bf16 q[kTile * Ld<D>::kH], k[kTile * Ld<D>::kH], v[kTile * Ld<D>::kH];
  float s[kWarps][16 * kLdS];
  bf16 p[kWarps][16 * kLdP];
  float o[kWarps][16 * Ld<D>::kO];
  float m[kTile], l[kTile];
};

// Per query row: m = running max of the scores, l = running sum of 2^(s - m), o = running sum of
// 2^(s - m) v; each new key tile rescales l and o by 2^(m_old - m_new). The output is o / l and
// the logsumexp m + log2 l.
template <int D>
__global__ void __launch_bounds__(kWarps * 32)
    forward_kernel(float* out, float* lse, const float* qkv, const AttentionTile* tiles, Layout L,
                   float c) {
  extern __shared__ __align__(128) unsigned char raw[];
  auto& sm = *reinterpret_cast<ForwardSmem<D>*>(raw);
  const AttentionTile tile = tiles[blockIdx.x];
  const int64_t h = blockIdx.y, g = h / L.group;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, r0 = warp * 16;
  const int nq = tile.end - tile.begin;
  load_tile<D>(sm.q, qkv, tile.begin, nq, L.ld, h * D);
  for (int i = threadIdx.x; i < kWarps * 16 * Ld<D>::kO; i += blockDim.x) (&sm.o[0][0])[i] = 0.0f;
  for (int i = threadIdx.x; i < kTile; i += blockDim.x) {
    sm.m[i] = -INFINITY;
    sm.l[i] = 0.0f;
  }
  for (int64_t k0 = tile.seq_begin; k0 < tile.end; k0 += kTile) {
    const int nk = static_cast<int>(min(int64_t{kTile}, tile.end - k0));
    __syncthreads();
    load_tile<D>(sm.k, qkv, k0, nk, L.ld, (L.H + g) * D);
    load_tile<D>(sm.v, qkv, k0, nk, L.ld, (L.H + L.G + g) * D);
    __syncthreads();
    rows_times_tile_t<D>(sm.s[warp], sm.q + r0 * Ld<D>::kH, sm.k);
    __syncwarp();
    // Two lanes per row, 32 columns each.
    const int r = lane / 2, half = lane % 2, row = r0 + r;
    const int64_t q = tile.begin + row;
    float* srow = sm.s[warp] + r * kLdS;
    float tile_max = -INFINITY;
    for (int col = half * 32; col < half * 32 + 32; ++col) {
      const bool valid = row < nq && col < nk && k0 + col <= q;
      const float x = valid ? srow[col] * c : -INFINITY;
      srow[col] = x;
      tile_max = fmaxf(tile_max, x);
    }
    tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
    const float m_old = sm.m[row];
    const float m_new = fmaxf(m_old, tile_max);
    const float m_use = m_new == -INFINITY ? 0.0f : m_new;  // rows with no key yet
    const float alpha = exp2f(m_old - m_use);
    float sum = 0.0f;
    for (int col = half * 32; col < half * 32 + 32; ++col) {
      const float p = exp2f(srow[col] - m_use);
      sm.p[warp][r * kLdP + col] = __float2bfloat16_rn(p);
      sum += p;
    }
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    for (int d = half * (D / 2); d < (half + 1) * (D / 2); ++d) {
      sm.o[warp][r * Ld<D>::kO + d] *= alpha;
    }
    __syncwarp();  // both lanes of the row have read m and l
    if (half == 0) {
      sm.m[row] = m_new;
      sm.l[row] = sm.l[row] * alpha + sum;
    }
    __syncwarp();
    FragAcc acc[D / 16];
    for (int j = 0; j < D / 16; ++j) {
      wmma::load_matrix_sync(acc[j], sm.o[warp] + j * 16, Ld<D>::kO, wmma::mem_row_major);
    }
    accumulate_p_times_tile<D>(acc, sm.p[warp], sm.v);
    for (int j = 0; j < D / 16; ++j) {
      wmma::store_matrix_sync(sm.o[warp] + j * 16, acc[j], Ld<D>::kO, wmma::mem_row_major);
    }
  }
  __syncwarp();
  for (int i = lane; i < 16 * D; i += 32) {
    const int r = i / D, d = i % D, row = r0 + r;
    if (row < nq) {
      out[(tile.begin + row) * L.H * D + h * D + d] = sm.o[warp][r * Ld<D>::kO + d] / sm.l[row];
    }
  }
  if (lane < 16 && r0 + lane < nq) {
    lse[h * L.T + tile.begin + r0 + lane] = sm.m[r0 + lane] + log2f(sm.l[r0 + lane]);
  }
}

template <int D>
struct DqSmem {
  bf16 q[kTile * Ld<D>::kH], dout[kTile * Ld<D>::kH], k[kTile * Ld<D>::kH], v[kTile * Ld<D>::kH];
  float s[kWarps][16 * kLdS];
  bf16 ds[kWarps][16 * kLdP];
  float lse[kTile], delta[kTile];
};

// Per query tile of head h, over the key tiles up to its own: p = 2^(c q.k - lse),
// dp = dout.v, ds = p (dp - delta); dq = scale sum ds k.
template <int D>
__global__ void __launch_bounds__(kWarps * 32)
    dq_kernel(float* dqkv, const float* dout, const float* qkv, const float* lse,
              const float* delta, const AttentionTile* tiles, Layout L, float c, float scale) {
  extern __shared__ __align__(128) unsigned char raw[];
  auto& sm = *reinterpret_cast<DqSmem<D>*>(raw);
  const AttentionTile tile = tiles[blockIdx.x];
  const int64_t h = blockIdx.y, g = h / L.group;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, r0 = warp * 16;
  const int nq = tile.end - tile.begin;
  load_tile<D>(sm.q, qkv, tile.begin, nq, L.ld, h * D);
  load_tile<D>(sm.dout, dout, tile.begin, nq, L.H * D, h * D);
  for (int i = threadIdx.x; i < kTile; i += blockDim.x) {
    sm.lse[i] = i < nq ? lse[h * L.T + tile.begin + i] : 0.0f;
    sm.delta[i] = i < nq ? delta[h * L.T + tile.begin + i] : 0.0f;
  }
  FragAcc dq[D / 16];
  for (int j = 0; j < D / 16; ++j) wmma::fill_fragment(dq[j], 0.0f);
  const int r = lane / 2, half = lane % 2, row = r0 + r;
  const int64_t q = tile.begin + row;
  for (int64_t k0 = tile.seq_begin; k0 < tile.end; k0 += kTile) {
    const int nk = static_cast<int>(min(int64_t{kTile}, tile.end - k0));
    __syncthreads();
    load_tile<D>(sm.k, qkv, k0, nk, L.ld, (L.H + g) * D);
    load_tile<D>(sm.v, qkv, k0, nk, L.ld, (L.H + L.G + g) * D);
    __syncthreads();
    rows_times_tile_t<D>(sm.s[warp], sm.q + r0 * Ld<D>::kH, sm.k);
    __syncwarp();
    float p[32];
    for (int i = 0; i < 32; ++i) {
      const int col = half * 32 + i;
      const bool valid = row < nq && col < nk && k0 + col <= q;
      p[i] = valid ? exp2f(sm.s[warp][r * kLdS + col] * c - sm.lse[row]) : 0.0f;
    }
    __syncwarp();
    rows_times_tile_t<D>(sm.s[warp], sm.dout + r0 * Ld<D>::kH, sm.v);
    __syncwarp();
    for (int i = 0; i < 32; ++i) {
      const int col = half * 32 + i;
      const float ds = p[i] * (sm.s[warp][r * kLdS + col] - sm.delta[row]);
      sm.ds[warp][r * kLdP + col] = __float2bfloat16_rn(ds);
    }
    __syncwarp();
    accumulate_p_times_tile<D>(dq, sm.ds[warp], sm.k);
  }
  store_rows<D>(dqkv, L.ld, h * D, tile.begin + r0, nq - r0, dq, scale, sm.s[warp]);
}

template <int D>
struct DkvSmem {
  bf16 k[kTile * Ld<D>::kH], v[kTile * Ld<D>::kH], q[kTile * Ld<D>::kH], dout[kTile * Ld<D>::kH];
  float s[kWarps][16 * kLdS];
  bf16 p[kWarps][16 * kLdP], ds[kWarps][16 * kLdP];
  float lse[kTile], delta[kTile];
};

// Per key tile of kv head g, over the query heads of the group and the query tiles from the key
// tile's own to the end of the sequence, in transposed form (keys as rows):
//   p^T = 2^(c k.q - lse_q), dp^T = v.dout_q, ds^T = p^T (dp^T - delta_q);
//   dv = sum p^T dout, dk = scale sum ds^T q.
template <int D>
__global__ void __launch_bounds__(kWarps * 32)
    dkv_kernel(float* dqkv, const float* dout, const float* qkv, const float* lse,
               const float* delta, const AttentionTile* tiles, Layout L, float c, float scale) {
  extern __shared__ __align__(128) unsigned char raw[];
  auto& sm = *reinterpret_cast<DkvSmem<D>*>(raw);
  const AttentionTile tile = tiles[blockIdx.x];
  const int64_t g = blockIdx.y;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, r0 = warp * 16;
  const int nk = tile.end - tile.begin;
  load_tile<D>(sm.k, qkv, tile.begin, nk, L.ld, (L.H + g) * D);
  load_tile<D>(sm.v, qkv, tile.begin, nk, L.ld, (L.H + L.G + g) * D);
  FragAcc dk[D / 16], dv[D / 16];
  for (int j = 0; j < D / 16; ++j) {
    wmma::fill_fragment(dk[j], 0.0f);
    wmma::fill_fragment(dv[j], 0.0f);
  }
  const int r = lane / 2, half = lane % 2, row = r0 + r;
  const int64_t key = tile.begin + row;
  for (int64_t h = g * L.group; h < (g + 1) * L.group; ++h) {
    for (int64_t q0 = tile.begin; q0 < tile.seq_end; q0 += kTile) {
      const int nq = static_cast<int>(min(int64_t{kTile}, tile.seq_end - q0));
      __syncthreads();
      load_tile<D>(sm.q, qkv, q0, nq, L.ld, h * D);
      load_tile<D>(sm.dout, dout, q0, nq, L.H * D, h * D);
      for (int i = threadIdx.x; i < kTile; i += blockDim.x) {
        sm.lse[i] = i < nq ? lse[h * L.T + q0 + i] : 0.0f;
        sm.delta[i] = i < nq ? delta[h * L.T + q0 + i] : 0.0f;
      }
      __syncthreads();
      rows_times_tile_t<D>(sm.s[warp], sm.k + r0 * Ld<D>::kH, sm.q);
      __syncwarp();
      float p[32];
      for (int i = 0; i < 32; ++i) {
        const int col = half * 32 + i;
        const bool valid = row < nk && col < nq && q0 + col >= key;
        p[i] = valid ? exp2f(sm.s[warp][r * kLdS + col] * c - sm.lse[col]) : 0.0f;
        sm.p[warp][r * kLdP + col] = __float2bfloat16_rn(p[i]);
      }
      __syncwarp();
      rows_times_tile_t<D>(sm.s[warp], sm.v + r0 * Ld<D>::kH, sm.dout);
      __syncwarp();
      for (int i = 0; i < 32; ++i) {
        const int col = half * 32 + i;
        const float ds = p[i] * (sm.s[warp][r * kLdS + col] - sm.delta[col]);
        sm.ds[warp][r * kLdP + col] = __float2bfloat16_rn(ds);
      }
      __syncwarp();
      accumulate_p_times_tile<D>(dv, sm.p[warp], sm.dout);
      accumulate_p_times_tile<D>(dk, sm.ds[warp], sm.q);
    }
  }
  store_rows<D>(dqkv, L.ld, (L.H + g) * D, tile.begin + r0, nk - r0, dk, scale, sm.s[warp]);
  store_rows<D>(dqkv, L.ld, (L.H + L.G + g) * D, tile.begin + r0, nk - r0, dv, 1.0f, sm.s[warp]);
}

Layout layout_of(const DeviceAttention& a) {
  return {a.T, (a.H + 2 * a.G) * a.D, a.H, a.G, a.H / a.G};
}

template <typename Kernel>
void allow_shared(Kernel kernel, size_t bytes) {
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(bytes)),
        "cudaFuncSetAttribute(attention tensor cores)");
}

template <int D>
void forward(float* out, float* lse, const float* qkv, const DeviceAttention& a,
             cudaStream_t stream) {
  const size_t bytes = sizeof(ForwardSmem<D>);
  allow_shared(forward_kernel<D>, bytes);
  forward_kernel<D>
      <<<dim3(static_cast<unsigned>(a.num_tiles), static_cast<unsigned>(a.H)), kWarps * 32, bytes,
         stream>>>(out, lse, qkv, a.tiles, layout_of(a), a.scale * kLog2e);
  check_launch("attention_forward_tc");
}

template <int D>
void backward(float* dqkv, const float* dout, const float* qkv, const float* lse,
              const float* delta, const DeviceAttention& a, cudaStream_t stream) {
  const float c = a.scale * kLog2e;
  allow_shared(dq_kernel<D>, sizeof(DqSmem<D>));
  dq_kernel<D><<<dim3(static_cast<unsigned>(a.num_tiles), static_cast<unsigned>(a.H)), kWarps * 32,
                 sizeof(DqSmem<D>), stream>>>(dqkv, dout, qkv, lse, delta, a.tiles, layout_of(a), c,
                                              a.scale);
  check_launch("attention_dq_tc");
  allow_shared(dkv_kernel<D>, sizeof(DkvSmem<D>));
  dkv_kernel<D><<<dim3(static_cast<unsigned>(a.num_tiles), static_cast<unsigned>(a.G)), kWarps * 32,
                  sizeof(DkvSmem<D>), stream>>>(dqkv, dout, qkv, lse, delta, a.tiles, layout_of(a),
                                                c, a.scale);
  check_launch("attention_dkv_tc");
}

}  // namespace

bool tensor_core_attention_supports(int64_t D) {
  return D == 16 || D == 32 || D == 64 || D == 128;
}

void attention_forward_tc(float* out, float* lse, const float* qkv, const DeviceAttention& a,
                          cudaStream_t stream) {
  switch (a.D) {
    case 16:
      return forward<16>(out, lse, qkv, a, stream);
    case 32:
      return forward<32>(out, lse, qkv, a, stream);
    case 64:
      return forward<64>(out, lse, qkv, a, stream);
    case 128:
      return forward<128>(out, lse, qkv, a, stream);
  }
}

void attention_backward_tc(float* dqkv, const float* dout, const float* qkv, const float* lse,
                           const float* delta, const DeviceAttention& a, cudaStream_t stream) {
  switch (a.D) {
    case 16:
      return backward<16>(dqkv, dout, qkv, lse, delta, a, stream);
    case 32:
      return backward<32>(dqkv, dout, qkv, lse, delta, a, stream);
    case 64:
      return backward<64>(dqkv, dout, qkv, lse, delta, a, stream);
    case 128:
      return backward<128>(dqkv, dout, qkv, lse, delta, a, stream);
  }
}

}  // namespace longalign::cuda
