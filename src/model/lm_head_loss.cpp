// The LM head and cross-entropy, fused over chunks of the tokens that carry a loss.
#include "model/lm_head_loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/bf16.h"
#include "model/gemm.h"
#include "model/simd_exp.h"

namespace longalign::model {
namespace {

// Rows of logits held at once: 256 x 32k vocab is 32 MiB of fp32.
constexpr int64_t kChunk = 256;

// A chunk's matrices, in fp32 or (for bf16 products) stored straight in bf16 so that each is
// rounded once rather than once per product that reads it.
struct Chunk {
  std::vector<int64_t> rows;  // positions in [0, T) of the chunk's tokens
  std::vector<float> x32, logits, dlogits32, dx;
  std::vector<bf16> x16, dlogits16;
  std::vector<double> weighted_loss;
};

MatrixOperand plain_operand(const std::vector<float>& f32, const std::vector<bf16>& b16,
                            Precision precision, int64_t ld) {
  return precision == Precision::bf16 ? plain(b16.data(), ld) : plain(f32.data(), ld);
}

MatrixOperand transposed_operand(const std::vector<float>& f32, const std::vector<bf16>& b16,
                                 Precision precision, int64_t ld) {
  return precision == Precision::bf16 ? transposed(b16.data(), ld) : transposed(f32.data(), ld);
}

// Copies the chunk's x rows into a packed [n, C] matrix.
void gather_x(Chunk& chunk, Precision precision, const float* x, int64_t C) {
  const int64_t n = static_cast<int64_t>(chunk.rows.size());
  if (precision == Precision::bf16) {
    chunk.x16.resize(n * C);
  } else {
    chunk.x32.resize(n * C);
  }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < n; ++r) {
    const float* src = x + chunk.rows[r] * C;
    if (precision == Precision::bf16) {
      for (int64_t c = 0; c < C; ++c) chunk.x16[r * C + c] = to_bf16(src[c]);
    } else {
      std::copy(src, src + C, chunk.x32.data() + r * C);
    }
  }
}

// Per row r of the chunk (token t, target y, weight w):
//   lse = log sum_v exp(logit_v), token_loss[t] = lse - logit_y, L += w * token_loss[t]
//   dlogit_v = w * (softmax_v - [v == y]) when gradients are wanted
// The logits are overwritten with exp(logit - max). Returns the chunk's sum of w * token_loss,
// added in row order so that the loss does not depend on the number of threads.
// The largest of x[0..n).
float row_max(const float* x, int64_t n) {
  __m256 m = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
  float lanes[8];
  _mm256_storeu_ps(lanes, m);
  float best = *std::max_element(lanes, lanes + 8);
  for (; i < n; ++i) best = std::max(best, x[i]);
  return best;
}

// x[i] = exp(x[i] - shift); returns the sum, accumulated in eight fp32 lanes per block of 8 and
// in double across blocks of 1024, so 32k-entry rows keep full fp32 accuracy.
double exp_shifted_sum(float* x, int64_t n, float shift) {
  const __m256 s = _mm256_set1_ps(shift);
  double sum = 0.0;
  int64_t i = 0;
  while (i + 8 <= n) {
    __m256 block = _mm256_setzero_ps();
    for (const int64_t end = std::min(n, i + 1024); i + 8 <= end; i += 8) {
      const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
      _mm256_storeu_ps(x + i, e);
      block = _mm256_add_ps(block, e);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, block);
    for (float l : lanes) sum += l;
  }
  for (; i < n; ++i) sum += (x[i] = std::exp(x[i] - shift));
  return sum;
}

void scale_row(float* x, int64_t n, float scale) {
  for (int64_t i = 0; i < n; ++i) x[i] *= scale;
}

double softmax_loss(Chunk& chunk, Precision precision, const LmHeadLossInput& in,
                    const LmHeadLossOutput& out, bool gradients) {
  const int64_t n = static_cast<int64_t>(chunk.rows.size()), V = in.V;
  if (gradients) {
    if (precision == Precision::bf16) {
      chunk.dlogits16.resize(n * V);
    } else {
      chunk.dlogits32.resize(n * V);
    }
  }
  chunk.weighted_loss.resize(n);
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < n; ++r) {
    const int64_t t = chunk.rows[r];
    const int32_t target = in.targets[t];
    const float weight = in.token_weights ? in.token_weights[t] : 1.0f;
    float* logits = chunk.logits.data() + r * V;
    const float target_logit = logits[target];
    const float max = row_max(logits, V);
    // p_v = exp(logit_v - max) / sum, written over the logits.
    const double sum = exp_shifted_sum(logits, V, max);
    const double token_loss = max + std::log(sum) - target_logit;
    if (out.token_loss) out.token_loss[t] = static_cast<float>(token_loss);
    if (out.token_correct) out.token_correct[t] = target_logit >= max;
    chunk.weighted_loss[r] = weight * token_loss;
    if (!gradients) continue;
    // dlogits = weight * (p - onehot(target)).
    scale_row(logits, V, static_cast<float>(weight / sum));
    logits[target] -= weight;
    if (precision == Precision::bf16) {
      to_bf16(chunk.dlogits16.data() + r * V, logits, V);
    } else {
      std::copy(logits, logits + V, chunk.dlogits32.data() + r * V);
    }
  }
  double loss = 0.0;
  for (double l : chunk.weighted_loss) loss += l;
  return loss;
}

// dx_chunk[n, C] = dlogits[n, V] W[V, C], added to dx at the chunk's rows;
// dW[V, C] += dlogits^T[V, n] x_chunk[n, C].
void backward(Chunk& chunk, Precision precision, const LmHeadLossInput& in,
              const LmHeadLossOutput& out, const MatrixOperand& weight) {
  const int64_t n = static_cast<int64_t>(chunk.rows.size()), V = in.V, C = in.C;
  const MatrixOperand dlogits = plain_operand(chunk.dlogits32, chunk.dlogits16, precision, V);
  if (out.dx) {
    chunk.dx.resize(n * C);
    matmul(precision, n, C, V, dlogits, weight, chunk.dx.data(), C, false);
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n; ++r) {
      float* dst = out.dx + chunk.rows[r] * C;
      for (int64_t c = 0; c < C; ++c) dst[c] += chunk.dx[r * C + c];
    }
  }
  if (out.dweight) {
    matmul(precision, V, C, n, transposed_operand(chunk.dlogits32, chunk.dlogits16, precision, V),
           plain_operand(chunk.x32, chunk.x16, precision, C), out.dweight, C, true);
  }
}

}  // namespace

// x: [T, C]; weight: [V, C]; targets, token_weights: [T] (token_weights null: every weight 1).
// Tokens with target -1 (prompt tokens in SFT, often most of a long sample) are skipped: no
// logits, no loss, no gradient. The rest go in chunks of kChunk rows:
//   logits[n, V] = x_chunk W^T, then softmax_loss, then backward.
double lm_head_loss(Precision precision, const LmHeadLossInput& in, const LmHeadLossOutput& out) {
  const int64_t T = in.T, C = in.C, V = in.V;
  std::vector<int64_t> rows;
  for (int64_t t = 0; t < T; ++t) {
    const int32_t target = in.targets[t];
    if (target >= V || target < -1) {
      throw Error("lm_head_loss: target " + std::to_string(target) + " at position " +
                  std::to_string(t) + " is outside the vocabulary [0, " + std::to_string(V) + ")");
    }
    if (target >= 0) {
      rows.push_back(t);
    } else {
      if (out.token_loss) out.token_loss[t] = 0.0f;
      if (out.token_correct) out.token_correct[t] = 0;
    }
  }
  // The weight is read by every chunk's products: round it to bf16 once, not once per product.
  std::vector<bf16> weight16;
  if (precision == Precision::bf16 && !rows.empty()) {
    weight16.resize(V * C);
    to_bf16(weight16.data(), in.weight, V * C);
  }
  const MatrixOperand weight =
      precision == Precision::bf16 ? plain(weight16.data(), C) : plain(in.weight, C);
  const MatrixOperand weight_t =
      precision == Precision::bf16 ? transposed(weight16.data(), C) : transposed(in.weight, C);
  const bool gradients = out.dx || out.dweight;
  double loss = 0.0;
  Chunk chunk;
  for (size_t begin = 0; begin < rows.size(); begin += kChunk) {
    const size_t end = std::min(rows.size(), begin + kChunk);
    chunk.rows.assign(rows.begin() + begin, rows.begin() + end);
    const int64_t n = static_cast<int64_t>(chunk.rows.size());
    gather_x(chunk, precision, in.x, C);
    chunk.logits.resize(n * V);
    matmul(precision, n, V, C, plain_operand(chunk.x32, chunk.x16, precision, C), weight_t,
           chunk.logits.data(), V, false);
    loss += softmax_loss(chunk, precision, in, out, gradients);
    if (gradients) backward(chunk, precision, in, out, weight);
  }
  return loss;
}

}  // namespace longalign::model
