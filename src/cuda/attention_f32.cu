// Attention on CUDA cores in fp32, one thread per query (forward, dQ) or per key (dK, dV); the
// other side streams through shared memory in tiles of kKeys rows. Scores are in log2 units,
// c = scale log2(e), so the exponentials are exp2. Slow next to the tensor cores, but exact to
// fp32 for any head size: the reference the GPU checks hold the rest to, and the fp32 mode.
#include <cmath>

#include "cuda/attention_kernels.h"
#include "cuda/launch.h"

namespace longalign::cuda {
namespace {

constexpr int kKeys = 32;  // rows of the streamed side per shared-memory tile
constexpr int kMaxD = static_cast<int>(kMaxHeadDimF32);
constexpr float kLog2e = 1.4426950408889634f;

struct Layout {
  int64_t T, ld, H, G, D, group;  // group = H / G
};

__device__ float dot(const float* a, const float* b, int64_t D) {
  float s = 0.0f;
  for (int64_t d = 0; d < D; ++d) s += a[d] * b[d];
  return s;
}

// Copies rows [first, first + n) of a head's columns into `dst` [kKeys, D]; rows past n are 0.
__device__ void load_rows(float* dst, const float* src, int64_t first, int n, int64_t ld,
                          int64_t column, int64_t D) {
  for (int64_t i = threadIdx.x; i < kKeys * D; i += blockDim.x) {
    const int64_t r = i / D, d = i % D;
    dst[i] = r < n ? src[(first + r) * ld + column + d] : 0.0f;
  }
}

// Per query q of head h: the online softmax over keys seq_begin..q,
//   m = max_j s_j, l = sum_j 2^(s_j - m), out = sum_j 2^(s_j - m) v_j / l, lse = m + log2 l.
__global__ void forward_kernel(float* out, float* lse, const float* qkv, const AttentionTile* tiles,
                               Layout L, float c) {
  extern __shared__ float smem[];
  float* ks = smem;
  float* vs = smem + kKeys * L.D;
  const AttentionTile tile = tiles[blockIdx.x];
  const int64_t h = blockIdx.y, g = h / L.group, q = tile.begin + threadIdx.x;
  const bool active = q < tile.end;
  float qv[kMaxD], acc[kMaxD];
  for (int64_t d = 0; d < L.D; ++d) {
    qv[d] = active ? qkv[q * L.ld + h * L.D + d] : 0.0f;
    acc[d] = 0.0f;
  }
  float m = -INFINITY, l = 0.0f;
  for (int64_t k0 = tile.seq_begin; k0 < tile.end; k0 += kKeys) {
    const int n = static_cast<int>(min(int64_t{kKeys}, tile.end - k0));
    __syncthreads();
    load_rows(ks, qkv, k0, n, L.ld, (L.H + g) * L.D, L.D);
    load_rows(vs, qkv, k0, n, L.ld, (L.H + L.G + g) * L.D, L.D);
    __syncthreads();
    if (!active) continue;
    for (int j = 0; j < n && k0 + j <= q; ++j) {
      const float s = dot(qv, ks + j * L.D, L.D) * c;
      if (s > m) {
        const float alpha = exp2f(m - s);
        l *= alpha;
        for (int64_t d = 0; d < L.D; ++d) acc[d] *= alpha;
        m = s;
      }
      const float p = exp2f(s - m);
      l += p;
      for (int64_t d = 0; d < L.D; ++d) acc[d] += p * vs[j * L.D + d];
    }
  }
  if (!active) return;
  for (int64_t d = 0; d < L.D; ++d) out[q * L.H * L.D + h * L.D + d] = acc[d] / l;
  lse[h * L.T + q] = m + log2f(l);
}

// Per query q of head h, with p_j = 2^(s_j - lse) and dp_j = dout_q . v_j:
//   dq = scale sum_j p_j (dp_j - delta_q) k_j
__global__ void dq_kernel(float* dqkv, const float* dout, const float* qkv, const float* lse,
                          const float* delta, const AttentionTile* tiles, Layout L, float c,
                          float scale) {
  extern __shared__ float smem[];
  float* ks = smem;
  float* vs = smem + kKeys * L.D;
  const AttentionTile tile = tiles[blockIdx.x];
  const int64_t h = blockIdx.y, g = h / L.group, q = tile.begin + threadIdx.x;
  const bool active = q < tile.end;
  float qv[kMaxD], dov[kMaxD], dq[kMaxD];
  for (int64_t d = 0; d < L.D; ++d) {
    qv[d] = active ? qkv[q * L.ld + h * L.D + d] : 0.0f;
    dov[d] = active ? dout[q * L.H * L.D + h * L.D + d] : 0.0f;
    dq[d] = 0.0f;
  }
  const float row_lse = active ? lse[h * L.T + q] : 0.0f;
  const float row_delta = active ? delta[h * L.T + q] : 0.0f;
  for (int64_t k0 = tile.seq_begin; k0 < tile.end; k0 += kKeys) {
    const int n = static_cast<int>(min(int64_t{kKeys}, tile.end - k0));
    __syncthreads();
    load_rows(ks, qkv, k0, n, L.ld, (L.H + g) * L.D, L.D);
    load_rows(vs, qkv, k0, n, L.ld, (L.H + L.G + g) * L.D, L.D);
    __syncthreads();
    if (!active) continue;
    for (int j = 0; j < n && k0 + j <= q; ++j) {
      const float p = exp2f(dot(qv, ks + j * L.D, L.D) * c - row_lse);
      const float ds = p * (dot(dov, vs + j * L.D, L.D) - row_delta);
      for (int64_t d = 0; d < L.D; ++d) dq[d] += ds * ks[j * L.D + d];
    }
  }
  if (!active) return;
  for (int64_t d = 0; d < L.D; ++d) dqkv[q * L.ld + h * L.D + d] = dq[d] * scale;
}

// Per key k of kv head g, over the query heads h of its group and the queries q >= k of its
// sequence:  dv = sum p_qk dout_q;  dk = scale sum p_qk (dout_q . v - delta_q) q_q
__global__ void dkv_kernel(float* dqkv, const float* dout, const float* qkv, const float* lse,
                           const float* delta, const AttentionTile* tiles, Layout L, float c,
                           float scale) {
  extern __shared__ float smem[];
  float* qs = smem;
  float* dos = smem + kKeys * L.D;
  float* lses = smem + 2 * kKeys * L.D;
  float* deltas = lses + kKeys;
  const AttentionTile tile = tiles[blockIdx.x];
  const int64_t g = blockIdx.y, key = tile.begin + threadIdx.x;
  const bool active = key < tile.end;
  float kv[kMaxD], vv[kMaxD], dk[kMaxD], dv[kMaxD];
  for (int64_t d = 0; d < L.D; ++d) {
    kv[d] = active ? qkv[key * L.ld + (L.H + g) * L.D + d] : 0.0f;
    vv[d] = active ? qkv[key * L.ld + (L.H + L.G + g) * L.D + d] : 0.0f;
    dk[d] = dv[d] = 0.0f;
  }
  for (int64_t h = g * L.group; h < (g + 1) * L.group; ++h) {
    for (int64_t q0 = tile.begin; q0 < tile.seq_end; q0 += kKeys) {
      const int n = static_cast<int>(min(int64_t{kKeys}, tile.seq_end - q0));
      __syncthreads();
      load_rows(qs, qkv, q0, n, L.ld, h * L.D, L.D);
      load_rows(dos, dout, q0, n, L.H * L.D, h * L.D, L.D);
      for (int i = threadIdx.x; i < kKeys; i += blockDim.x) {
        lses[i] = i < n ? lse[h * L.T + q0 + i] : 0.0f;
        deltas[i] = i < n ? delta[h * L.T + q0 + i] : 0.0f;
      }
      __syncthreads();
      if (!active) continue;
      for (int j = 0; j < n; ++j) {
        if (q0 + j < key) continue;
        const float p = exp2f(dot(qs + j * L.D, kv, L.D) * c - lses[j]);
        const float ds = p * (dot(dos + j * L.D, vv, L.D) - deltas[j]);
        for (int64_t d = 0; d < L.D; ++d) {
          dv[d] += p * dos[j * L.D + d];
          dk[d] += ds * qs[j * L.D + d];
        }
      }
    }
  }
  if (!active) return;
  for (int64_t d = 0; d < L.D; ++d) {
    dqkv[key * L.ld + (L.H + g) * L.D + d] = dk[d] * scale;
    dqkv[key * L.ld + (L.H + L.G + g) * L.D + d] = dv[d];
  }
}

__global__ void delta_kernel(float* delta, const float* dout, const float* out, int64_t T,
                             int64_t H, int64_t D) {
  // One warp per (token, head).
  const int64_t row = global_thread() / 32;
  const int lane = threadIdx.x % 32;
  if (row >= T * H) return;
  const int64_t t = row / H, h = row % H;
  float s = 0.0f;
  for (int64_t d = lane; d < D; d += 32)
    s += dout[t * H * D + h * D + d] * out[t * H * D + h * D + d];
  for (int o = 16; o > 0; o /= 2) s += __shfl_xor_sync(0xffffffffu, s, o);
  if (lane == 0) delta[h * T + t] = s;
}

Layout layout_of(const DeviceAttention& a) {
  return {a.T, (a.H + 2 * a.G) * a.D, a.H, a.G, a.D, a.H / a.G};
}

// Shared memory of the kernels above: two tiles of kKeys rows (and two rows of row terms).
size_t shared_bytes(const DeviceAttention& a) {
  return sizeof(float) * (2 * kKeys * a.D + 2 * kKeys);
}

template <typename Kernel>
void allow_shared(Kernel kernel, size_t bytes) {
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(bytes)),
        "cudaFuncSetAttribute(attention f32)");
}

}  // namespace

void attention_forward_f32(float* out, float* lse, const float* qkv, const DeviceAttention& a,
                           cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(a.num_tiles), static_cast<unsigned>(a.H));
  const size_t bytes = shared_bytes(a);
  allow_shared(forward_kernel, bytes);
  forward_kernel<<<grid, kAttentionTile, bytes, stream>>>(out, lse, qkv, a.tiles, layout_of(a),
                                                          a.scale * kLog2e);
  check_launch("attention_forward_f32");
}

void attention_backward_f32(float* dqkv, const float* dout, const float* qkv, const float* lse,
                            const float* delta, const DeviceAttention& a, cudaStream_t stream) {
  const size_t bytes = shared_bytes(a);
  const float c = a.scale * kLog2e;
  allow_shared(dq_kernel, bytes);
  allow_shared(dkv_kernel, bytes);
  dq_kernel<<<dim3(static_cast<unsigned>(a.num_tiles), static_cast<unsigned>(a.H)), kAttentionTile,
              bytes, stream>>>(dqkv, dout, qkv, lse, delta, a.tiles, layout_of(a), c, a.scale);
  check_launch("attention_dq_f32");
  dkv_kernel<<<dim3(static_cast<unsigned>(a.num_tiles), static_cast<unsigned>(a.G)), kAttentionTile,
               bytes, stream>>>(dqkv, dout, qkv, lse, delta, a.tiles, layout_of(a), c, a.scale);
  check_launch("attention_dkv_f32");
}

void attention_delta(float* delta, const float* dout, const float* out, const DeviceAttention& a,
                     cudaStream_t stream) {
  const int64_t threads = a.T * a.H * 32;
  const auto blocks = static_cast<unsigned>((threads + kThreads - 1) / kThreads);
  delta_kernel<<<blocks, kThreads, 0, stream>>>(delta, dout, out, a.T, a.H, a.D);
  check_launch("attention_delta");
}

}  // namespace longalign::cuda
