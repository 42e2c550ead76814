// The two passes of cache attention that stream the cache, written once over an instruction set
// (Isa: a vector of W floats with load, broadcast and fused multiply-add) and compiled twice: for
// AVX2 (cache_attention_avx2.cpp) and AVX-512 (cache_attention_avx512.cpp, built with AVX-512
// enabled). Everything here is in an anonymous namespace, so the two builds never share a
// function the linker could mix up.
//
//   scores:  s[q, t] = scale * q_q . k_t for 16 keys at a time: one key tile [D][16] holds
//            dimension d of 16 keys in a row, so it is NQ broadcast-multiply-adds per dimension
//            into 16-lane accumulators, with no sum across lanes.
//   values:  o_q = sum_t p[q, t] v_t, one value row of D at a time.
#pragma once

#include <algorithm>
#include <cstdint>

#include "infer/cache_attention_item.h"
#include "infer/kv_cache.h"

namespace longalign::infer {
namespace {

// scores [NQ][keys] for queries [first, first + NQ) of the item.
template <class Isa, int NQ, typename T>
void score_block(const CacheItem& it, const T* tiles, int64_t first) {
  constexpr int kVecs = static_cast<int>(kKeyTile) / Isa::W;
  const int64_t D = it.head_dim, keys = it.key_end - it.key_begin;
  const float* q[NQ];
  for (int i = 0; i < NQ; ++i) q[i] = it.q[first + i];
  for (int64_t k0 = it.key_begin; k0 < it.key_end; k0 += kKeyTile) {
    const T* tile = tiles + k0 * D;  // tile k0 / 16 starts at token k0's row block
    typename Isa::V acc[NQ][kVecs];
    for (int i = 0; i < NQ; ++i) {
      for (int v = 0; v < kVecs; ++v) acc[i][v] = Isa::zero();
    }
    for (int64_t d = 0; d < D; ++d) {
      typename Isa::V k[kVecs];
      for (int v = 0; v < kVecs; ++v) k[v] = Isa::load(tile + d * kKeyTile + v * Isa::W);
      for (int i = 0; i < NQ; ++i) {
        const typename Isa::V qd = Isa::broadcast(q[i][d]);
        for (int v = 0; v < kVecs; ++v) acc[i][v] = Isa::fma(qd, k[v], acc[i][v]);
      }
    }
    const typename Isa::V scale = Isa::broadcast(it.scale);
    for (int i = 0; i < NQ; ++i) {
      float* out = it.scores + (first + i) * keys + (k0 - it.key_begin);
      for (int v = 0; v < kVecs; ++v) Isa::store(out + v * Isa::W, Isa::mul(acc[i][v], scale));
    }
  }
}

// Queries in blocks of kQueryBlock, then 4, 2 and 1, so every key tile is loaded (and widened)
// once per block: a decode step's 2 to 8 queries of a kv head share each load.
template <class Isa, typename T>
void scores_of(const CacheItem& it, const T* tiles) {
  int64_t first = 0;
  for (; first + Isa::kQueryBlock <= it.queries; first += Isa::kQueryBlock) {
    score_block<Isa, Isa::kQueryBlock>(it, tiles, first);
  }
  if (first + 4 <= it.queries) {
    score_block<Isa, 4>(it, tiles, first);
    first += 4;
  }
  if (first + 2 <= it.queries) {
    score_block<Isa, 2>(it, tiles, first);
    first += 2;
  }
  if (first < it.queries) score_block<Isa, 1>(it, tiles, first);
}

// o[q] for NQ queries from `first`, D = DV vectors: the accumulators stay in registers and each
// value row is loaded (and widened) once for all NQ.
template <class Isa, int NQ, int DV, typename T>
void value_block(const CacheItem& it, const T* values, int64_t first) {
  constexpr int64_t D = int64_t{DV} * Isa::W;
  const int64_t keys = it.key_end - it.key_begin;
  int64_t valid[NQ], longest = 0;
  for (int i = 0; i < NQ; ++i) {
    valid[i] = std::clamp<int64_t>(it.length[first + i] - it.key_begin, 0, keys);
    longest = std::max(longest, valid[i]);
  }
  typename Isa::V acc[NQ][DV];
  for (int i = 0; i < NQ; ++i) {
    for (int v = 0; v < DV; ++v) acc[i][v] = Isa::zero();
  }
  for (int64_t t = 0; t < longest; ++t) {
    const T* row = values + (it.key_begin + t) * D;
    typename Isa::V v_t[DV];
    for (int v = 0; v < DV; ++v) v_t[v] = Isa::load(row + v * Isa::W);
    for (int i = 0; i < NQ; ++i) {
      // A key past this query's length weighs nothing (its score was never exponentiated).
      const float p = t < valid[i] ? it.scores[(first + i) * keys + t] : 0.0f;
      const typename Isa::V pt = Isa::broadcast(p);
      for (int v = 0; v < DV; ++v) acc[i][v] = Isa::fma(pt, v_t[v], acc[i][v]);
    }
  }
  for (int i = 0; i < NQ; ++i) {
    for (int v = 0; v < DV; ++v) Isa::store(it.out + (first + i) * D + v * Isa::W, acc[i][v]);
  }
}

// All queries, NQ at a time, with D known at compile time.
template <class Isa, int NQ, int DV, typename T>
void values_fixed(const CacheItem& it, const T* values) {
  int64_t first = 0;
  for (; first + NQ <= it.queries; first += NQ) value_block<Isa, NQ, DV>(it, values, first);
  for (; first < it.queries; ++first) value_block<Isa, 1, DV>(it, values, first);
}

// Any D a multiple of W, one query at a time, the output in memory.
template <class Isa, typename T>
void values_any(const CacheItem& it, const T* values) {
  const int64_t D = it.head_dim, keys = it.key_end - it.key_begin;
  for (int64_t q = 0; q < it.queries; ++q) {
    float* o = it.out + q * D;
    const float* p = it.scores + q * keys;
    const int64_t valid = std::clamp<int64_t>(it.length[q] - it.key_begin, 0, keys);
    for (int64_t d = 0; d < D; d += Isa::W) Isa::store(o + d, Isa::zero());
    for (int64_t t = 0; t < valid; ++t) {
      const typename Isa::V pt = Isa::broadcast(p[t]);
      const T* v = values + (it.key_begin + t) * D;
      for (int64_t d = 0; d < D; d += Isa::W) {
        Isa::store(o + d, Isa::fma(pt, Isa::load(v + d), Isa::load(o + d)));
      }
    }
  }
}

// o[q] = sum over the item's first valid[q] keys of p[q, t] v_t. Head sizes 64 and 128 (most
// models) get register-blocked loops that share each value row among as many queries as
// Isa::kAccumulators vectors hold; other sizes, and sizes that do not fit, the general loop.
template <class Isa, typename T>
void values_of(const CacheItem& it, const T* values) {
  constexpr int kVectors64 = 64 / Isa::W, kVectors128 = 128 / Isa::W;
  if constexpr (kVectors64 <= Isa::kAccumulators) {
    if (it.head_dim == 64) {
      return values_fixed<Isa, Isa::kAccumulators / kVectors64, kVectors64>(it, values);
    }
  }
  if constexpr (kVectors128 <= Isa::kAccumulators) {
    if (it.head_dim == 128) {
      return values_fixed<Isa, Isa::kAccumulators / kVectors128, kVectors128>(it, values);
    }
  }
  values_any<Isa>(it, values);
}

// Both passes' entry points for one instruction set.
template <class Isa>
void score_pass(const CacheItem& it) {
  if (it.cache->dtype() == KvDtype::bf16) {
    scores_of<Isa>(it, it.cache->key_tiles_bf16(it.layer, it.g));
  } else {
    scores_of<Isa>(it, it.cache->key_tiles_f32(it.layer, it.g));
  }
}

template <class Isa>
void value_pass(const CacheItem& it) {
  if (it.cache->dtype() == KvDtype::bf16) {
    values_of<Isa>(it, it.cache->values_bf16(it.layer, it.g));
  } else {
    values_of<Isa>(it, it.cache->values_f32(it.layer, it.g));
  }
}

}  // namespace
}  // namespace longalign::infer
