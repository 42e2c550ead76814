// A naive double-precision reference of the whole model, written from the formulas: the
// transformer tests check the engine's forward and gradients against it, the inference tests the
// logits of prefill and cached decode.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "model/config.h"
#include "model/parameters.h"

namespace longalign::model {

// The parameters as doubles, with the offsets of each named tensor.
struct RefParams {
  std::vector<double> p;
  int64_t embed, final_norm, lm_head;
  struct Layer {
    int64_t attn_norm, wqkv, bqkv, wo, mlp_norm, w_gate_up, w_down;
  };
  std::vector<Layer> layers;

  explicit RefParams(const Parameters& params) : p(params.data(), params.data() + params.size()) {
    const float* base = params.data();
    auto off = [base](const float* x) { return x ? int64_t(x - base) : int64_t{-1}; };
    embed = off(params.embed);
    final_norm = off(params.final_norm);
    lm_head = off(params.lm_head);
    for (const LayerParams& l : params.layers) {
      layers.push_back({off(l.attn_norm), off(l.wqkv), off(l.bqkv), off(l.wo), off(l.mlp_norm),
                        off(l.w_gate_up), off(l.w_down)});
    }
  }
};

using Vec = std::vector<double>;

// y[t] = x[t] / rms(x[t]) * w for rows of width C.
inline Vec ref_rmsnorm(const Vec& x, const double* w, int64_t C, double eps) {
  Vec y(x.size());
  for (size_t t = 0; t < x.size() / C; ++t) {
    double ss = 0;
    for (int64_t i = 0; i < C; ++i) ss += x[t * C + i] * x[t * C + i];
    const double r = 1.0 / std::sqrt(ss / C + eps);
    for (int64_t i = 0; i < C; ++i) y[t * C + i] = x[t * C + i] * r * w[i];
  }
  return y;
}

// y = x W^T (+ b): x [T, K], W [N, K].
inline Vec ref_linear(const Vec& x, const double* w, const double* b, int64_t K, int64_t N) {
  const int64_t T = x.size() / K;
  Vec y(T * N);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t n = 0; n < N; ++n) {
      double s = b ? b[n] : 0.0;
      for (int64_t k = 0; k < K; ++k) s += x[t * K + k] * w[n * K + k];
      y[t * N + n] = s;
    }
  }
  return y;
}

// Rotates one head vector in place by position pos, the two pairings written out separately.
inline void ref_rope(double* v, int64_t D, int64_t pos, const ModelConfig& m) {
  const double theta = m.rope.theta;
  if (m.family == Family::chatglm) {
    const int64_t rd = D / 2;  // half the head rotates, adjacent pairs
    for (int64_t i = 0; i < rd / 2; ++i) {
      const float f = static_cast<float>(1.0 / std::pow(theta, 2.0 * i / rd));
      const double a = static_cast<float>(pos) * f;
      const double x0 = v[2 * i], x1 = v[2 * i + 1];
      v[2 * i] = x0 * std::cos(a) - x1 * std::sin(a);
      v[2 * i + 1] = x1 * std::cos(a) + x0 * std::sin(a);
    }
    return;
  }
  for (int64_t i = 0; i < D / 2; ++i) {  // all dimensions, pairs (i, i + D/2)
    const float f = static_cast<float>(1.0 / std::pow(theta, 2.0 * i / D));
    const double a = static_cast<float>(pos) * f;
    const double x0 = v[i], x1 = v[i + D / 2];
    v[i] = x0 * std::cos(a) - x1 * std::sin(a);
    v[i + D / 2] = x1 * std::cos(a) + x0 * std::sin(a);
  }
}

// The logits [T, V] of every token of a pack: tokens at `positions`, sequences bounded by
// `cu_seqlens` (attention stays inside each).
inline Vec ref_logits(const ModelConfig& m, const RefParams& rp, const std::vector<int32_t>& tokens,
                      const std::vector<int32_t>& positions,
                      const std::vector<int32_t>& cu_seqlens) {
  const int64_t T = static_cast<int64_t>(tokens.size()), C = m.hidden, H = m.heads, G = m.kv_heads,
                D = m.head_dim;
  const int64_t Q = m.qkv_dim(), I = m.intermediate, V = m.vocab;
  const double* p = rp.p.data();
  Vec x(T * C);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < C; ++i) x[t * C + i] = p[rp.embed + tokens[t] * C + i];
  }
  for (const RefParams::Layer& l : rp.layers) {
    Vec h = ref_rmsnorm(x, p + l.attn_norm, C, m.rms_eps);
    Vec qkv = ref_linear(h, p + l.wqkv, l.bqkv >= 0 ? p + l.bqkv : nullptr, C, Q);
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t head = 0; head < H + G; ++head) {
        ref_rope(&qkv[t * Q + head * D], D, positions[t], m);
      }
    }
    Vec att(T * H * D, 0.0);
    for (int64_t s = 0; s + 1 < int64_t(cu_seqlens.size()); ++s) {
      for (int64_t t = cu_seqlens[s]; t < cu_seqlens[s + 1]; ++t) {
        for (int64_t h = 0; h < H; ++h) {
          const int64_t g = h / (H / G);
          Vec score;
          double mx = -1e300;
          for (int64_t j = cu_seqlens[s]; j <= t; ++j) {
            double d = 0;
            for (int64_t e = 0; e < D; ++e)
              d += qkv[t * Q + h * D + e] * qkv[j * Q + (H + g) * D + e];
            score.push_back(d / std::sqrt(double(D)));
            mx = std::max(mx, score.back());
          }
          double z = 0;
          for (double& sc : score) z += (sc = std::exp(sc - mx));
          for (int64_t j = cu_seqlens[s]; j <= t; ++j) {
            const double w = score[j - cu_seqlens[s]] / z;
            for (int64_t e = 0; e < D; ++e) {
              att[t * H * D + h * D + e] += w * qkv[j * Q + (H + G + g) * D + e];
            }
          }
        }
      }
    }
    Vec o = ref_linear(att, p + l.wo, nullptr, H * D, C);
    for (int64_t i = 0; i < T * C; ++i) x[i] += o[i];
    Vec h2 = ref_rmsnorm(x, p + l.mlp_norm, C, m.rms_eps);
    Vec gu = ref_linear(h2, p + l.w_gate_up, nullptr, C, 2 * I);
    Vec act(T * I);
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t i = 0; i < I; ++i) {
        const double g = gu[t * 2 * I + i], u = gu[t * 2 * I + I + i];
        act[t * I + i] = g / (1 + std::exp(-g)) * u;
      }
    }
    Vec down = ref_linear(act, p + l.w_down, nullptr, I, C);
    for (int64_t i = 0; i < T * C; ++i) x[i] += down[i];
  }
  Vec hf = ref_rmsnorm(x, p + rp.final_norm, C, m.rms_eps);
  return ref_linear(hf, p + rp.lm_head, nullptr, C, V);
}

}  // namespace longalign::model
