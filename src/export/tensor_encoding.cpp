#include "export/tensor_encoding.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "model/bf16.h"

namespace longalign::gguf {

namespace {

constexpr int64_t kQ8Block = 32;
constexpr int64_t kParallelBlock = int64_t{1} << 14;  // values per OpenMP task

uint16_t to_f16(float x) {
  return _cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// One Q8_0 block: ggml computes the scale and its inverse in fp32 and rounds each scaled value
// with roundf; the scale is stored as fp16, but the values are scaled by the fp32 inverse.
void quantize_q8_0_block(const float* x, unsigned char* out) {
  float amax = 0.0f;
  for (int64_t j = 0; j < kQ8Block; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const uint16_t d16 = to_f16(d);
  std::memcpy(out, &d16, 2);
  for (int64_t j = 0; j < kQ8Block; ++j) {
    out[2 + j] = static_cast<unsigned char>(static_cast<int8_t>(std::roundf(x[j] * id)));
  }
}

// Runs f(begin, end) over [0, n) in blocks, on the OpenMP team.
template <typename F>
void parallel_blocks(int64_t n, int64_t block, const F& f) {
#pragma omp parallel for schedule(static)
  for (int64_t begin = 0; begin < n; begin += block) f(begin, std::min(n, begin + block));
}

}  // namespace

std::vector<unsigned char> encode_tensor(TensorType type, const float* values, int64_t count) {
  std::vector<unsigned char> out;
  switch (type) {
    case TensorType::f32:
      out.resize(static_cast<size_t>(count) * 4);
      std::memcpy(out.data(), values, out.size());
      break;
    case TensorType::f16:
      out.resize(static_cast<size_t>(count) * 2);
      parallel_blocks(count, kParallelBlock, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const uint16_t h = to_f16(values[i]);
          std::memcpy(out.data() + 2 * i, &h, 2);
        }
      });
      break;
    case TensorType::bf16:
      out.resize(static_cast<size_t>(count) * 2);
      parallel_blocks(count, kParallelBlock, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const model::bf16 b = model::to_bf16(values[i]);
          std::memcpy(out.data() + 2 * i, &b, 2);
        }
      });
      break;
    case TensorType::q8_0: {
      if (count % kQ8Block != 0) throw std::logic_error("Q8_0 needs a multiple of 32 values");
      const int64_t blocks = count / kQ8Block;
      out.resize(static_cast<size_t>(blocks) * (2 + kQ8Block));
      parallel_blocks(blocks, kParallelBlock / kQ8Block, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b) {
          quantize_q8_0_block(values + b * kQ8Block, out.data() + b * (2 + kQ8Block));
        }
      });
      break;
    }
  }
  return out;
}

}  // namespace longalign::gguf
