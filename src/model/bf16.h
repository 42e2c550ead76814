// bfloat16 storage: the top 16 bits of an IEEE float. Products take bf16 inputs and accumulate in
// fp32; everything else (master weights, moments, norms, softmax) stays fp32.
#pragma once

#include <cstdint>
#include <cstring>

namespace longalign::model {

using bf16 = uint16_t;

// Rounds to nearest, ties to even (what hardware conversions such as vcvtneps2bf16 do); NaN stays
// NaN.
inline bf16 to_bf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<bf16>((bits >> 16) | 0x40u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<bf16>(bits >> 16);
}

inline float from_bf16(bf16 x) {
  uint32_t bits = static_cast<uint32_t>(x) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// x rounded to the nearest bf16 and back: what a value loses on its way into a bf16 product.
inline float round_bf16(float x) {
  return from_bf16(to_bf16(x));
}

// Bulk conversions, parallel over the calling OpenMP team.
void to_bf16(bf16* dst, const float* src, int64_t n);
void from_bf16(float* dst, const bf16* src, int64_t n);

}  // namespace longalign::model
