// Rotary position embedding: the frequency table with the rope_scaling kinds of Hugging Face
// transformers (modeling_rope_utils.py), and the rotation, forward and backward.
//
// The frequencies follow transformers' arithmetic: exponents, powers, ramps and the llama3 bands
// in float32, like its torch tensors; scalars it keeps as Python floats (the dynamic base, the
// yarn correction range) in double. Angles are float32 position * float32 inv_freq, and cos and
// sin are taken in float32, so tables and rotations agree with transformers to float rounding.
#include "model/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/error.h"

namespace longalign::model {
namespace {

// inv_freq[i] = 1 / base^(2i / dim), i < dim / 2.
std::vector<float> default_inv_freq(double base, int64_t dim) {
  std::vector<float> inv_freq(dim / 2);
  for (int64_t i = 0; i < dim / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(dim);
    inv_freq[i] = 1.0f / std::pow(static_cast<float>(base), exponent);
  }
  return inv_freq;
}

// Dynamic NTK: past max_position the base grows so that the lowest frequency still spans seq_len:
//   base' = theta * (factor * seq_len / max_position - (factor - 1))^(dim / (dim - 2))
std::vector<float> dynamic_inv_freq(const RopeConfig& rope, int64_t dim, int64_t max_position,
                                    int64_t seq_len) {
  double base = rope.theta;
  if (seq_len > max_position) {
    const double growth =
        rope.factor * static_cast<double>(seq_len) / max_position - (rope.factor - 1.0);
    base *= std::pow(growth, static_cast<double>(dim) / static_cast<double>(dim - 2));
  }
  return default_inv_freq(base, dim);
}

// Llama 3.1: wavelengths 2 pi / f shorter than original_max / high_freq_factor keep f; longer
// than original_max / low_freq_factor become f / factor; in between, a linear mix in
// original_max / wavelength.
std::vector<float> llama3_inv_freq(const RopeConfig& rope, int64_t dim) {
  std::vector<float> inv_freq = default_inv_freq(rope.theta, dim);
  const float factor = static_cast<float>(rope.factor);
  const float old_context = static_cast<float>(rope.original_max_position);
  const float low_freq_wavelen =
      static_cast<float>(rope.original_max_position / rope.low_freq_factor);
  const float high_freq_wavelen =
      static_cast<float>(rope.original_max_position / rope.high_freq_factor);
  const float band = static_cast<float>(rope.high_freq_factor - rope.low_freq_factor);
  for (float& f : inv_freq) {
    const float wavelen = static_cast<float>(2.0 * std::numbers::pi) / f;
    if (wavelen > low_freq_wavelen) {
      f /= factor;
    } else if (!(wavelen < high_freq_wavelen)) {
      const float smooth =
          (old_context / wavelen - static_cast<float>(rope.low_freq_factor)) / band;
      f = (1.0f - smooth) * f / factor + smooth * f;
    }
  }
  return inv_freq;
}

// YaRN: dimensions whose wavelength fits within the original context more than beta_fast times
// keep their frequency (extrapolation), those turning fewer than beta_slow times are divided by
// factor (interpolation), and a linear ramp over the dimension index mixes the two in between.
// The dimension index that turns r times over the original context is
//   d(r) = dim * ln(original_max / (2 pi r)) / (2 ln theta).
std::vector<float> yarn_inv_freq(const RopeConfig& rope, int64_t dim, int64_t original_max) {
  const auto correction_dim = [&](double rotations) {
    return dim * std::log(original_max / (rotations * 2.0 * std::numbers::pi)) /
           (2.0 * std::log(rope.theta));
  };
  const double low = std::max(std::floor(correction_dim(rope.beta_fast)), 0.0);
  double high = std::min(std::ceil(correction_dim(rope.beta_slow)), static_cast<double>(dim - 1));
  if (low == high) high += 0.001;  // a one-step ramp rather than a division by zero
  std::vector<float> inv_freq(dim / 2);
  for (int64_t i = 0; i < dim / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(dim);
    const float pos_freq = std::pow(static_cast<float>(rope.theta), exponent);
    const float extrapolated = 1.0f / pos_freq;
    const float interpolated = 1.0f / (static_cast<float>(rope.factor) * pos_freq);
    const float ramp = std::clamp(
        (static_cast<float>(i) - static_cast<float>(low)) / static_cast<float>(high - low), 0.0f,
        1.0f);
    const float keep = 1.0f - ramp;
    inv_freq[i] = interpolated * (1.0f - keep) + extrapolated * keep;
  }
  return inv_freq;
}

// yarn's cos/sin scale: given, or 0.1 ln(factor) + 1 (1 for factor <= 1).
float yarn_attention_scale(const RopeConfig& rope) {
  if (rope.attention_factor > 0.0) return static_cast<float>(rope.attention_factor);
  if (rope.factor <= 1.0) return 1.0f;
  return static_cast<float>(0.1 * std::log(rope.factor) + 1.0);
}

}  // namespace

RopeTable make_rope_table(const ModelConfig& config, int64_t seq_len) {
  const RopeConfig& rope = config.rope;
  RopeTable table;
  table.rotary_dim = rope.rotary_dim > 0 ? rope.rotary_dim : config.head_dim;
  table.interleaved = rope.interleaved;
  const int64_t dim = table.rotary_dim;
  if (dim <= 2 || dim % 2 != 0 || dim > config.head_dim) {
    throw Error("rope: rotary_dim " + std::to_string(dim) + " must be even, above 2 and at most " +
                "head_dim " + std::to_string(config.head_dim));
  }
  switch (rope.scaling) {
    case RopeScaling::none:
      table.inv_freq = default_inv_freq(rope.theta, dim);
      break;
    case RopeScaling::linear:
      table.inv_freq = default_inv_freq(rope.theta, dim);
      for (float& f : table.inv_freq) f /= static_cast<float>(rope.factor);
      break;
    case RopeScaling::dynamic:
      table.inv_freq = dynamic_inv_freq(rope, dim, config.max_position, seq_len);
      break;
    case RopeScaling::llama3:
      table.inv_freq = llama3_inv_freq(rope, dim);
      break;
    case RopeScaling::yarn:
      table.inv_freq = yarn_inv_freq(
          rope, dim,
          rope.original_max_position > 0 ? rope.original_max_position : config.max_position);
      table.attention_scale = yarn_attention_scale(rope);
      break;
  }
  return table;
}

RopeAngles rope_angles(const RopeTable& table, const int32_t* positions, int64_t T) {
  const int64_t pairs = table.rotary_dim / 2;
  if (static_cast<int64_t>(table.inv_freq.size()) != pairs) {
    throw Error("rope: table for rotary_dim " + std::to_string(table.rotary_dim) + " has " +
                std::to_string(table.inv_freq.size()) + " frequencies");
  }
  RopeAngles a;
  a.pairs = pairs;
  a.interleaved = table.interleaved;
  a.cos.resize(static_cast<size_t>(T * pairs));
  a.sin.resize(static_cast<size_t>(T * pairs));
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < T; ++t) {
    const float position = static_cast<float>(positions[t]);
    for (int64_t i = 0; i < pairs; ++i) {
      const float angle = position * table.inv_freq[i];
      a.cos[t * pairs + i] = std::cos(angle) * table.attention_scale;
      a.sin[t * pairs + i] = std::sin(angle) * table.attention_scale;
    }
  }
  return a;
}

// A pair (a, b) becomes (a cos - b sin, b cos + a sin); the backward negates sin. Pair i is
// (i, i + pairs) in the llama layout and (2i, 2i + 1) interleaved.
void rope_rotate(float* x, int64_t ld, int64_t rows, int64_t heads, int64_t head_dim,
                 const RopeAngles& angles, int64_t first, bool backward) {
  const int64_t pairs = angles.pairs;
  if (2 * pairs > head_dim) {
    throw Error("rope: rotary_dim " + std::to_string(2 * pairs) + " does not fit head_dim " +
                std::to_string(head_dim));
  }
  const int64_t first_stride = angles.interleaved ? 2 : 1;
  const int64_t second_offset = angles.interleaved ? 1 : pairs;
  const float sign = backward ? -1.0f : 1.0f;
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < rows; ++t) {
    const float* cos = angles.cos.data() + (first + t) * pairs;
    const float* sin = angles.sin.data() + (first + t) * pairs;
    for (int64_t h = 0; h < heads; ++h) {
      float* head = x + t * ld + h * head_dim;
      for (int64_t i = 0; i < pairs; ++i) {
        float& a = head[i * first_stride];
        float& b = head[i * first_stride + second_offset];
        const float a0 = a, b0 = b, s = sign * sin[i];
        a = a0 * cos[i] - b0 * s;
        b = b0 * cos[i] + a0 * s;
      }
    }
  }
}

// x: [T, heads, head_dim], rows `ld` apart; positions: [T].
//   (a, b) <- (a cos(p f_i) - b sin(p f_i), b cos(p f_i) + a sin(p f_i)) for each pair i
void rope_forward(float* x, int64_t ld, const int32_t* positions, int64_t T, int64_t heads,
                  int64_t head_dim, const RopeTable& table) {
  rope_rotate(x, ld, T, heads, head_dim, rope_angles(table, positions, T), 0, false);
}

// dx: as x. The forward is y = R x with R block-diagonal of 2x2 rotations (times the scale), so
// dL/dx = R^T dL/dy: the same rotation with sin negated.
void rope_backward(float* dx, int64_t ld, const int32_t* positions, int64_t T, int64_t heads,
                   int64_t head_dim, const RopeTable& table) {
  rope_rotate(dx, ld, T, heads, head_dim, rope_angles(table, positions, T), 0, true);
}

}  // namespace longalign::model
