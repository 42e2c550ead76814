// fp32 weights to the bytes of a GGUF tensor type, bit for bit as llama.cpp's own converter and
// quantizer produce them.
#pragma once

#include <cstdint>
#include <vector>

#include "export/gguf_writer.h"

namespace longalign::gguf {

//   f32:  the values as they are;
//   f16:  IEEE half, rounded to nearest even (as numpy's and F16C's conversions round);
//   bf16: the top 16 bits, rounded to nearest even, NaN kept a NaN (gguf-py's rule);
//   q8_0: blocks of 32 values: an fp16 scale d = max|x| / 127, then 32 int8 roundf(x / d)
//         (ties away from zero), as ggml's quantize_row_q8_0_ref; `count` a multiple of 32.
std::vector<unsigned char> encode_tensor(TensorType type, const float* values, int64_t count);

}  // namespace longalign::gguf
