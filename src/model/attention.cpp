// Varlen causal GQA attention in tiles, FlashAttention-2's scheme on the CPU.
//
// Every sequence of the pack is cut into blocks of kTile tokens starting at its first token, so a
// tile never mixes two sequences; a query block attends to the key blocks of its sequence up to
// and including its own (the diagonal block, masked causally). Scores are kept in log2 units,
// c = scale log2(e), so that the softmax exponentials are exp2.
//
// Per kv head g, the operands the inner loops stream (K and V for the forward; Q, dO, K and V for
// the backward) are packed once into tiles in the layout of the tile products (see
// attention_kernels.h): O(T D) memory per kv head, never T x T.
#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/attention_kernels.h"
#include "model/simd_exp.h"

namespace longalign::model {
namespace {

constexpr int kTile = 64;  // queries per query block, keys per key block
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;
constexpr float kInf = std::numeric_limits<float>::infinity();

int round_up(int x, int multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

// The generic path: fp32 operands, rounded to bf16 values in bf16 mode.
struct GenericTiles {
  using Elem = float;
  static constexpr int kPair = 1;
  bool round = false;
  float operand(float x) const { return round ? round_bf16(x) : x; }
  void to_operand(float* dst, const float* src, int n) const {
    tile_to_operand(dst, src, n, round);
  }
  void matmul(int M, int N, int K, const float* a, int lda, const float* b, int ldb, float* c,
              int ldc, bool accumulate) const {
    tile_matmul_f32(M, N, K, a, lda, b, ldb, c, ldc, accumulate);
  }
};

// The AVX-512 BF16 path: bf16 operands, B tiles pair-interleaved along the reduction.
struct Bf16Tiles {
  using Elem = bf16;
  static constexpr int kPair = 2;
  bf16 operand(float x) const { return to_bf16(x); }
  void to_operand(bf16* dst, const float* src, int n) const { tile_to_operand(dst, src, n); }
  void matmul(int M, int N, int K, const bf16* a, int lda, const bf16* b, int ldb, float* c,
              int ldc, bool accumulate) const {
    tile_matmul_bf16(M, N, K, a, lda, b, ldb, c, ldc, accumulate);
  }
};

// Up to kTile consecutive tokens of one sequence.
struct Block {
  int64_t t0 = 0;     // first token
  int n = 0;          // tokens
  int index = 0;      // this is block `index` of its sequence
  int count = 0;      // blocks in the sequence
  int64_t first = 0;  // global index of the sequence's block 0
};

// The pack as the kernels see it.
struct Problem {
  const AttentionShape& shape;
  int D, Dp, R;  // head dimension, padded to 16 for the tiles; query heads per kv head
  int64_t row;   // qkv row length, (H + 2G) D
  int64_t tile;  // elements in one packed kTile x Dp tile
  float c;       // scale log2(e)
  std::vector<Block> blocks;

  explicit Problem(const AttentionShape& s)
      : shape(s),
        D(static_cast<int>(s.D)),
        Dp(round_up(static_cast<int>(s.D), 16)),
        R(static_cast<int>(s.H / s.G)),
        row((s.H + 2 * s.G) * s.D),
        tile(int64_t{kTile} * Dp),
        c(s.scale * kLog2e) {
    for (int64_t seq = 0; seq < s.num_seqs; ++seq) {
      const int64_t begin = s.cu_seqlens[seq], end = s.cu_seqlens[seq + 1];
      const int count = static_cast<int>((end - begin + kTile - 1) / kTile);
      const int64_t first = static_cast<int64_t>(blocks.size());
      for (int i = 0; i < count; ++i) {
        const int n = static_cast<int>(std::min<int64_t>(kTile, end - begin - i * kTile));
        blocks.push_back({begin + int64_t{i} * kTile, n, i, count, first});
      }
    }
  }
  int64_t q_col(int64_t h) const { return h * D; }
  int64_t k_col(int64_t g) const { return (shape.H + g) * D; }
  int64_t v_col(int64_t g) const { return (shape.H + shape.G + g) * D; }
  int64_t num_blocks() const { return static_cast<int64_t>(blocks.size()); }
};

void check_shape(const AttentionShape& s, const char* where) {
  auto fail = [where](const std::string& what) { throw Error(std::string(where) + ": " + what); };
  if (s.H <= 0 || s.G <= 0 || s.H % s.G != 0) {
    fail("query heads H=" + std::to_string(s.H) +
         " must be a positive multiple of kv heads G=" + std::to_string(s.G));
  }
  if (s.D <= 0 || s.D % 2 != 0 || s.D > 256) {
    fail("head dimension D=" + std::to_string(s.D) + " must be even and at most 256");
  }
  if (s.num_seqs < 0 || s.T < 0 || (s.num_seqs > 0 && s.cu_seqlens == nullptr)) {
    fail("bad pack: num_seqs=" + std::to_string(s.num_seqs) + " T=" + std::to_string(s.T));
  }
  if (s.num_seqs == 0 && s.T == 0) return;
  if (s.num_seqs == 0 || s.cu_seqlens[0] != 0 || s.cu_seqlens[s.num_seqs] != s.T) {
    fail("cu_seqlens must run from 0 to T=" + std::to_string(s.T));
  }
  for (int64_t i = 0; i < s.num_seqs; ++i) {
    if (s.cu_seqlens[i + 1] < s.cu_seqlens[i]) {
      fail("cu_seqlens decreases at sequence " + std::to_string(i));
    }
  }
}

// Block ids, costliest first, for a dynamic schedule: cost(b) for each block.
template <class Cost>
std::vector<int64_t> costliest_first(const Problem& p, Cost cost) {
  std::vector<int64_t> order(p.blocks.size());
  for (size_t b = 0; b < order.size(); ++b) order[b] = static_cast<int64_t>(b);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return cost(p.blocks[a]) > cost(p.blocks[b]); });
  return order;
}

// Packing of n <= kTile rows of D values (row stride ld) into a zero-padded kTile x Dp tile.
// With P = Tiles::kPair (1 generic, 2 bf16), element (i, d) goes to
//   left (A[i][d]):                     i Dp + d
//   right (B[i][d], reduced over i):    (i / P) Dp P + d P + i % P
//   right transposed (B[d][i], over d): (d / P) kTile P + i P + d % P
enum class Packing { left, right, right_transposed };

template <class Tiles>
void pack_tile(const Tiles& tiles, Packing packing, typename Tiles::Elem* dst, const float* x,
               int64_t ld, int n, int D, int Dp) {
  constexpr int P = Tiles::kPair;
  if (n < kTile || D < Dp) std::fill(dst, dst + int64_t{kTile} * Dp, typename Tiles::Elem{});
  for (int i = 0; i < n; ++i) {
    const float* xi = x + i * ld;
    if (packing == Packing::left) {
      for (int d = 0; d < D; ++d) dst[i * Dp + d] = tiles.operand(xi[d]);
    } else if (packing == Packing::right) {
      for (int d = 0; d < D; ++d) dst[(i / P) * Dp * P + d * P + i % P] = tiles.operand(xi[d]);
    } else {
      for (int d = 0; d < D; ++d) dst[(d / P) * kTile * P + i * P + d % P] = tiles.operand(xi[d]);
    }
  }
}

// Packs rows [col, col + D) of every block of the pack, for the inner loops to stream.
template <class Tiles>
void pack_all_blocks(const Tiles& tiles, const Problem& p, Packing packing,
                     typename Tiles::Elem* dst, const float* x, int64_t ld, int64_t col) {
#pragma omp for schedule(static)
  for (int64_t b = 0; b < p.num_blocks(); ++b) {
    const Block& blk = p.blocks[b];
    pack_tile(tiles, packing, dst + b * p.tile, x + blk.t0 * ld + col, ld, blk.n, p.D, p.Dp);
  }
}

float horizontal_sum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_add_ss(x, _mm_shuffle_ps(x, x, 1)));
}

float horizontal_max(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_max_ss(x, _mm_shuffle_ps(x, x, 1)));
}

// ---------------------------------------------------------------------------------------------
// Forward. qkv [T, (H+2G)D] -> out [T, HD], lse [H, T]. For query i of head h (kv head g):
//   s_ij = scale q_i . k_j over the visible keys j,   out_i = sum_j softmax(s_i)_j v_j,
//   lse_i = log sum_j exp(s_ij).
// Online softmax over the key blocks, per query row, in log2 units: with r_j = q_i . k_j the raw
// products and c = scale log2 e,
//   m' = max(m, c max_j r_j),  p_j = 2^(c r_j - m'),  l' = 2^(m-m') l + sum_j p_j,
//   o' = 2^(m-m') o + sum_j p_j v_j;   at the end out = o / l, lse = (m + log2 l) ln 2.
// ---------------------------------------------------------------------------------------------

// One online-softmax step of a query row: s holds its N raw products q.k against one key block,
// the first `valid` of them visible. Leaves p in s and returns 2^(m - m'), the rescaling of o.
float softmax_step(float* s, int N, int valid, float c, float& m, float& l) {
  for (int j = valid; j < N; ++j) s[j] = -kInf;
  __m256 row_max = _mm256_set1_ps(-kInf);
  for (int j = 0; j < N; j += 8) row_max = _mm256_max_ps(row_max, _mm256_loadu_ps(s + j));
  const float m_new = std::max(m, c * horizontal_max(row_max));
  const __m256 vc = _mm256_set1_ps(c), vm = _mm256_set1_ps(m_new);
  __m256 sum = _mm256_setzero_ps();
  for (int j = 0; j < N; j += 8) {
    const __m256 pj = exp2_avx2(_mm256_fmsub_ps(_mm256_loadu_ps(s + j), vc, vm));
    _mm256_storeu_ps(s + j, pj);
    sum = _mm256_add_ps(sum, pj);
  }
  const float alpha = std::exp2(m - m_new);
  l = alpha * l + horizontal_sum(sum);
  m = m_new;
  return alpha;
}

template <class Elem>
struct ForwardScratch {
  std::vector<Elem> q;     // [R][kTile][Dp] the block's queries, left operand
  std::vector<float> o;    // [R][kTile][Dp] unnormalised outputs
  std::vector<float> m;    // [R][kTile] running max, log2 units
  std::vector<float> l;    // [R][kTile] running sum of p
  std::vector<float> s;    // [kTile][kTile] scores, then p
  std::vector<Elem> prob;  // [kTile][kTile] p as a left operand
  explicit ForwardScratch(const Problem& p)
      : q(p.R * p.tile),
        o(p.R * p.tile),
        m(p.R * kTile),
        l(p.R * kTile),
        s(kTile * kTile),
        prob(kTile * kTile) {}
};

// Query block qb of kv head g against key blocks 0..qb.index of its sequence; keys_t and values
// are the packed K (right transposed) and V (right) tiles of every block.
template <class Tiles>
void query_block_forward(const Tiles& tiles, const Problem& p, int64_t g, const Block& qb,
                         const typename Tiles::Elem* keys_t, const typename Tiles::Elem* values,
                         const float* qkv, float* out, float* lse,
                         ForwardScratch<typename Tiles::Elem>& w) {
  const int Dp = p.Dp, Mq = round_up(qb.n, 4);
  for (int r = 0; r < p.R; ++r) {
    pack_tile(tiles, Packing::left, &w.q[r * p.tile], qkv + qb.t0 * p.row + p.q_col(g * p.R + r),
              p.row, qb.n, p.D, Dp);
  }
  std::fill(w.o.begin(), w.o.end(), 0.0f);
  std::fill(w.m.begin(), w.m.end(), -kInf);
  std::fill(w.l.begin(), w.l.end(), 0.0f);
  for (int j = 0; j <= qb.index; ++j) {
    const int64_t kb = qb.first + j;
    const int nk = p.blocks[kb].n, Nk = round_up(nk, 16);
    for (int r = 0; r < p.R; ++r) {
      float* o = &w.o[r * p.tile];
      // S = Q K^T  [Mq, Nk]
      tiles.matmul(Mq, Nk, Dp, &w.q[r * p.tile], Dp, keys_t + kb * p.tile, kTile, w.s.data(), kTile,
                   false);
      for (int i = 0; i < Mq; ++i) {
        const int valid = std::min(nk, j == qb.index ? i + 1 : kTile);
        float* s = &w.s[i * kTile];
        const float alpha = softmax_step(s, Nk, valid, p.c, w.m[r * kTile + i], w.l[r * kTile + i]);
        tiles.to_operand(&w.prob[i * kTile], s, Nk);
        if (alpha != 1.0f) {
          for (int d = 0; d < Dp; ++d) o[i * Dp + d] *= alpha;
        }
      }
      // O += P V  [Mq, Dp]
      tiles.matmul(Mq, Dp, round_up(nk, 4), w.prob.data(), kTile, values + kb * p.tile, Dp, o, Dp,
                   true);
    }
  }
  const int64_t H = p.shape.H, T = p.shape.T;
  for (int r = 0; r < p.R; ++r) {
    const int64_t h = g * p.R + r;
    for (int i = 0; i < qb.n; ++i) {
      const float l = w.l[r * kTile + i];
      const float* o = &w.o[r * p.tile + i * Dp];
      float* out_i = out + (qb.t0 + i) * H * p.D + h * p.D;
      for (int d = 0; d < p.D; ++d) out_i[d] = o[d] / l;
      lse[h * T + qb.t0 + i] = (w.m[r * kTile + i] + std::log2(l)) * kLn2;
    }
  }
}

template <class Tiles>
void forward(const Tiles& tiles, const Problem& p, float* out, float* lse, const float* qkv) {
  using Elem = typename Tiles::Elem;
  // Packed K and V of every block, left uninitialised: pack_tile writes every element.
  const auto keys_t = std::make_unique_for_overwrite<Elem[]>(p.num_blocks() * p.tile);
  const auto values = std::make_unique_for_overwrite<Elem[]>(p.num_blocks() * p.tile);
  const std::vector<int64_t> order = costliest_first(p, [](const Block& b) { return b.index; });
  for (int64_t g = 0; g < p.shape.G; ++g) {
#pragma omp parallel
    {
      pack_all_blocks(tiles, p, Packing::right_transposed, keys_t.get(), qkv, p.row, p.k_col(g));
      pack_all_blocks(tiles, p, Packing::right, values.get(), qkv, p.row, p.v_col(g));
      ForwardScratch<Elem> scratch(p);
#pragma omp for schedule(dynamic)
      for (int64_t i = 0; i < p.num_blocks(); ++i) {
        query_block_forward(tiles, p, g, p.blocks[order[i]], keys_t.get(), values.get(), qkv, out,
                            lse, scratch);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Backward (FlashAttention-2), with P recomputed from lse:
//   D_i = sum_d dO_id O_id,   p_ij = exp(s_ij - lse_i) = 2^(c q_i.k_j - lse_i log2 e),
//   dV = P^T dO,   dP = dO V^T,   dS = P o (dP - D),   dQ = scale dS K,   dK = scale dS^T Q.
// Two passes, so that every gradient row has one writer and the result is deterministic:
//   pass 1, per key block: S^T = K Q^T, dP^T = V dO^T, then dV += P^T dO, dK += dS^T Q over the
//           query blocks at or after it and all query heads of the kv head (GQA's sum over heads);
//   pass 2, per query block: S = Q K^T, dP = dO V^T, then dQ += dS K over its key blocks.
// ---------------------------------------------------------------------------------------------

// Row k of P^T and dS^T against one query block (pass 1): s and dp hold the row of S^T and dP^T,
// lse2 and di the block's lse log2(e) and D per query (+inf and 0 past its end, so p = 0 there).
// Queries before `first` cannot see key k. Leaves p in s and ds in dp.
void key_row_grads(float* s, float* dp, int N, int first, float c, const float* lse2,
                   const float* di) {
  const __m256 vc = _mm256_set1_ps(c);
  for (int q = 0; q < N; q += 8) {
    const __m256 pq =
        exp2_avx2(_mm256_fmsub_ps(_mm256_loadu_ps(s + q), vc, _mm256_loadu_ps(lse2 + q)));
    const __m256 dsq =
        _mm256_mul_ps(pq, _mm256_sub_ps(_mm256_loadu_ps(dp + q), _mm256_loadu_ps(di + q)));
    _mm256_storeu_ps(s + q, pq);
    _mm256_storeu_ps(dp + q, dsq);
  }
  for (int q = 0; q < std::min(first, N); ++q) s[q] = dp[q] = 0.0f;
}

// Row q of P and dS against one key block (pass 2); the first `valid` keys are visible. Leaves
// ds in dp.
void query_row_grads(const float* s, float* dp, int N, int valid, float c, float lse2, float di) {
  const __m256 vc = _mm256_set1_ps(c), vlse2 = _mm256_set1_ps(lse2), vdi = _mm256_set1_ps(di);
  for (int j = 0; j < N; j += 8) {
    const __m256 pj = exp2_avx2(_mm256_fmsub_ps(_mm256_loadu_ps(s + j), vc, vlse2));
    _mm256_storeu_ps(dp + j, _mm256_mul_ps(pj, _mm256_sub_ps(_mm256_loadu_ps(dp + j), vdi)));
  }
  for (int j = valid; j < N; ++j) dp[j] = 0.0f;
}

// lse log2(e) and D of query block qb's rows of head h, padded to kTile with +inf and 0.
void block_stats(const Problem& p, int64_t h, const Block& qb, const float* lse, const float* di,
                 float* lse2_out, float* di_out) {
  for (int i = 0; i < kTile; ++i) {
    const bool live = i < qb.n;
    lse2_out[i] = live ? lse[h * p.shape.T + qb.t0 + i] * kLog2e : kInf;
    di_out[i] = live ? di[h * p.shape.T + qb.t0 + i] : 0.0f;
  }
}

// The streamed tiles of the backward for one kv head: per query head r and block b, tile
// (r num_blocks + b) of the per-head arrays; per block b, tile b of the kv arrays. Left
// uninitialised: pack_tile writes every element.
template <class Elem>
struct BackwardPacks {
  std::unique_ptr<Elem[]> q_t, q, dout_t, dout;  // Q and dO, right transposed and right
  std::unique_ptr<Elem[]> k_t, k, v_t;           // K right transposed and right, V right transposed
  explicit BackwardPacks(const Problem& p) {
    const int64_t per_head = p.R * p.num_blocks() * p.tile, per_kv = p.num_blocks() * p.tile;
    for (auto* a : {&q_t, &q, &dout_t, &dout})
      *a = std::make_unique_for_overwrite<Elem[]>(per_head);
    for (auto* a : {&k_t, &k, &v_t}) *a = std::make_unique_for_overwrite<Elem[]>(per_kv);
  }
};

template <class Elem>
struct KeyBlockScratch {
  std::vector<Elem> k, v;          // [kTile][Dp] the block's keys and values, left operands
  std::vector<float> dk, dv;       // [kTile][Dp] gradient accumulators
  std::vector<float> s, dp;        // [kTile][kTile] S^T then P^T; dP^T then dS^T
  std::vector<Elem> prob, dscore;  // [kTile][kTile] P^T and dS^T as left operands
  std::vector<float> lse2, di;     // [kTile] per query of the current query block
  explicit KeyBlockScratch(const Problem& p)
      : k(p.tile),
        v(p.tile),
        dk(p.tile),
        dv(p.tile),
        s(kTile * kTile),
        dp(kTile * kTile),
        prob(kTile * kTile),
        dscore(kTile * kTile),
        lse2(kTile),
        di(kTile) {}
};

// Pass 1 for key block kb of kv head g: writes its rows of dK and dV.
template <class Tiles>
void key_block_backward(const Tiles& tiles, const Problem& p, int64_t g, const Block& kb,
                        const BackwardPacks<typename Tiles::Elem>& packs, const float* qkv,
                        const float* lse, const float* di, float* dqkv,
                        KeyBlockScratch<typename Tiles::Elem>& w) {
  const int Dp = p.Dp, Mk = round_up(kb.n, 4);
  const float* rows = qkv + kb.t0 * p.row;
  pack_tile(tiles, Packing::left, w.k.data(), rows + p.k_col(g), p.row, kb.n, p.D, Dp);
  pack_tile(tiles, Packing::left, w.v.data(), rows + p.v_col(g), p.row, kb.n, p.D, Dp);
  std::fill(w.dk.begin(), w.dk.end(), 0.0f);
  std::fill(w.dv.begin(), w.dv.end(), 0.0f);
  for (int i = kb.index; i < kb.count; ++i) {
    const Block& qb = p.blocks[kb.first + i];
    const int Nq = round_up(qb.n, 16), Kq = round_up(qb.n, 4);
    for (int r = 0; r < p.R; ++r) {
      const int64_t at = (r * p.num_blocks() + kb.first + i) * p.tile;
      block_stats(p, g * p.R + r, qb, lse, di, w.lse2.data(), w.di.data());
      // S^T = K Q^T,  dP^T = V dO^T  [Mk, Nq]
      tiles.matmul(Mk, Nq, Dp, w.k.data(), Dp, &packs.q_t[at], kTile, w.s.data(), kTile, false);
      tiles.matmul(Mk, Nq, Dp, w.v.data(), Dp, &packs.dout_t[at], kTile, w.dp.data(), kTile, false);
      for (int k = 0; k < Mk; ++k) {
        float* s = &w.s[k * kTile];
        float* dp = &w.dp[k * kTile];
        key_row_grads(s, dp, Nq, i == kb.index ? k : 0, p.c, w.lse2.data(), w.di.data());
        tiles.to_operand(&w.prob[k * kTile], s, Nq);
        tiles.to_operand(&w.dscore[k * kTile], dp, Nq);
      }
      // dV += P^T dO,  dK += dS^T Q  [Mk, Dp]
      tiles.matmul(Mk, Dp, Kq, w.prob.data(), kTile, &packs.dout[at], Dp, w.dv.data(), Dp, true);
      tiles.matmul(Mk, Dp, Kq, w.dscore.data(), kTile, &packs.q[at], Dp, w.dk.data(), Dp, true);
    }
  }
  const float scale = p.shape.scale;
  for (int k = 0; k < kb.n; ++k) {
    float* grad = dqkv + (kb.t0 + k) * p.row;
    for (int d = 0; d < p.D; ++d) {
      grad[p.k_col(g) + d] = scale * w.dk[k * Dp + d];
      grad[p.v_col(g) + d] = w.dv[k * Dp + d];
    }
  }
}

template <class Elem>
struct QueryBlockScratch {
  std::vector<Elem> q, dout;    // [R][kTile][Dp] the block's Q and dO, left operands
  std::vector<float> dq;        // [R][kTile][Dp] gradient accumulators
  std::vector<float> s, dp;     // [kTile][kTile] S; dP then dS
  std::vector<Elem> dscore;     // [kTile][kTile] dS as a left operand
  std::vector<float> lse2, di;  // [R][kTile]
  explicit QueryBlockScratch(const Problem& p)
      : q(p.R * p.tile),
        dout(p.R * p.tile),
        dq(p.R * p.tile),
        s(kTile * kTile),
        dp(kTile * kTile),
        dscore(kTile * kTile),
        lse2(p.R * kTile),
        di(p.R * kTile) {}
};

// Pass 2 for query block qb of kv head g: writes its rows of dQ for the group's query heads.
template <class Tiles>
void query_block_backward(const Tiles& tiles, const Problem& p, int64_t g, const Block& qb,
                          const BackwardPacks<typename Tiles::Elem>& packs, const float* qkv,
                          const float* dout, const float* lse, const float* di, float* dqkv,
                          QueryBlockScratch<typename Tiles::Elem>& w) {
  const int Dp = p.Dp, Mq = round_up(qb.n, 4);
  const int64_t HD = p.shape.H * p.D;
  for (int r = 0; r < p.R; ++r) {
    const int64_t h = g * p.R + r;
    pack_tile(tiles, Packing::left, &w.q[r * p.tile], qkv + qb.t0 * p.row + p.q_col(h), p.row, qb.n,
              p.D, Dp);
    pack_tile(tiles, Packing::left, &w.dout[r * p.tile], dout + qb.t0 * HD + h * p.D, HD, qb.n, p.D,
              Dp);
    block_stats(p, h, qb, lse, di, &w.lse2[r * kTile], &w.di[r * kTile]);
  }
  std::fill(w.dq.begin(), w.dq.end(), 0.0f);
  for (int j = 0; j <= qb.index; ++j) {
    const int64_t kb = qb.first + j;
    const int nk = p.blocks[kb].n, Nk = round_up(nk, 16);
    for (int r = 0; r < p.R; ++r) {
      // S = Q K^T,  dP = dO V^T  [Mq, Nk]
      tiles.matmul(Mq, Nk, Dp, &w.q[r * p.tile], Dp, &packs.k_t[kb * p.tile], kTile, w.s.data(),
                   kTile, false);
      tiles.matmul(Mq, Nk, Dp, &w.dout[r * p.tile], Dp, &packs.v_t[kb * p.tile], kTile, w.dp.data(),
                   kTile, false);
      for (int i = 0; i < Mq; ++i) {
        const int valid = std::min(nk, j == qb.index ? i + 1 : kTile);
        float* dp = &w.dp[i * kTile];
        query_row_grads(&w.s[i * kTile], dp, Nk, valid, p.c, w.lse2[r * kTile + i],
                        w.di[r * kTile + i]);
        tiles.to_operand(&w.dscore[i * kTile], dp, Nk);
      }
      // dQ += dS K  [Mq, Dp]
      tiles.matmul(Mq, Dp, round_up(nk, 4), w.dscore.data(), kTile, &packs.k[kb * p.tile], Dp,
                   &w.dq[r * p.tile], Dp, true);
    }
  }
  const float scale = p.shape.scale;
  for (int r = 0; r < p.R; ++r) {
    for (int i = 0; i < qb.n; ++i) {
      float* grad = dqkv + (qb.t0 + i) * p.row + p.q_col(g * p.R + r);
      for (int d = 0; d < p.D; ++d) grad[d] = scale * w.dq[r * p.tile + i * Dp + d];
    }
  }
}

// D [H, T]: D_ht = sum_d dO_thd O_thd.
std::vector<float> output_dot_grad(const Problem& p, const float* dout, const float* out) {
  const int64_t H = p.shape.H, T = p.shape.T;
  std::vector<float> di(H * T);
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t h = 0; h < H; ++h) {
      const float* a = dout + (t * H + h) * p.D;
      const float* b = out + (t * H + h) * p.D;
      float sum = 0.0f;
      for (int d = 0; d < p.D; ++d) sum += a[d] * b[d];
      di[h * T + t] = sum;
    }
  }
  return di;
}

template <class Tiles>
void backward(const Tiles& tiles, const Problem& p, float* dqkv, const float* dout,
              const float* qkv, const float* out, const float* lse) {
  using Elem = typename Tiles::Elem;
  const std::vector<float> di = output_dot_grad(p, dout, out);
  BackwardPacks<Elem> packs(p);
  const int64_t HD = p.shape.H * p.D, B = p.num_blocks();
  const std::vector<int64_t> by_keys =
      costliest_first(p, [](const Block& b) { return b.count - b.index; });
  const std::vector<int64_t> by_queries =
      costliest_first(p, [](const Block& b) { return b.index; });
  for (int64_t g = 0; g < p.shape.G; ++g) {
#pragma omp parallel
    {
      for (int r = 0; r < p.R; ++r) {
        const int64_t h = g * p.R + r;
        pack_all_blocks(tiles, p, Packing::right_transposed, &packs.q_t[r * B * p.tile], qkv, p.row,
                        p.q_col(h));
        pack_all_blocks(tiles, p, Packing::right, &packs.q[r * B * p.tile], qkv, p.row, p.q_col(h));
        pack_all_blocks(tiles, p, Packing::right_transposed, &packs.dout_t[r * B * p.tile], dout,
                        HD, h * p.D);
        pack_all_blocks(tiles, p, Packing::right, &packs.dout[r * B * p.tile], dout, HD, h * p.D);
      }
      pack_all_blocks(tiles, p, Packing::right_transposed, packs.k_t.get(), qkv, p.row, p.k_col(g));
      pack_all_blocks(tiles, p, Packing::right, packs.k.get(), qkv, p.row, p.k_col(g));
      pack_all_blocks(tiles, p, Packing::right_transposed, packs.v_t.get(), qkv, p.row, p.v_col(g));
      KeyBlockScratch<Elem> keys(p);
#pragma omp for schedule(dynamic)
      for (int64_t i = 0; i < B; ++i) {
        key_block_backward(tiles, p, g, p.blocks[by_keys[i]], packs, qkv, lse, di.data(), dqkv,
                           keys);
      }
      QueryBlockScratch<Elem> queries(p);
#pragma omp for schedule(dynamic)
      for (int64_t i = 0; i < B; ++i) {
        query_block_backward(tiles, p, g, p.blocks[by_queries[i]], packs, qkv, dout, lse, di.data(),
                             dqkv, queries);
      }
    }
  }
}

}  // namespace

void attention_forward(Precision precision, float* out, float* lse, const float* qkv,
                       const AttentionShape& shape) {
  check_shape(shape, "attention_forward");
  const Problem problem(shape);
  if (attention_kernel(precision) == AttentionKernel::avx512_bf16) {
    forward(Bf16Tiles{}, problem, out, lse, qkv);
  } else {
    forward(GenericTiles{precision == Precision::bf16}, problem, out, lse, qkv);
  }
}

void attention_backward(Precision precision, float* dqkv, const float* dout, const float* qkv,
                        const float* out, const float* lse, const AttentionShape& shape) {
  check_shape(shape, "attention_backward");
  const Problem problem(shape);
  if (attention_kernel(precision) == AttentionKernel::avx512_bf16) {
    backward(Bf16Tiles{}, problem, dqkv, dout, qkv, out, lse);
  } else {
    backward(GenericTiles{precision == Precision::bf16}, problem, dqkv, dout, qkv, out, lse);
  }
}

}  // namespace longalign::model
