// The tensors of a llama.cpp model file and where each one's values come from: llama.cpp's names
// (token_embd, blk.N.attn_q, ...) for the Hugging Face tensors of a llama, mistral or qwen2
// model, the row order llama.cpp's rotary embedding expects, and the tensors llama.cpp wants that
// a Hugging Face folder does not hold (llama3 RoPE's frequency factors).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace longalign::gguf {

struct ExportTensor {
  std::string name;               // llama.cpp's, e.g. "blk.0.attn_q.weight"
  std::string hf_name;            // the safetensors tensor; empty for a computed one
  std::vector<int64_t> hf_shape;  // as transformers stores it, row-major
  // > 0: the rows are `permute_heads` heads of rotate-half pairs (i, i + D/2), regrouped into
  // llama.cpp's adjacent pairs (2i, 2i + 1) for its LLAMA architecture (permute_rope_rows).
  int64_t permute_heads = 0;
  bool keep_f32 = false;      // norms, biases and other 1-D tensors stay F32 in every file type
  std::vector<float> values;  // a computed tensor's values

  // The GGUF dims: the shape reversed, so dims[0] is the contiguous (last) dimension.
  std::vector<int64_t> gguf_dims() const;
};

// llama.cpp's architecture for a family ("llama" for llama and mistral, "qwen2"); an Error naming
// `where` for chatglm and for shapes or RoPE scaling llama.cpp cannot express.
std::string llama_cpp_architecture(const model::ModelConfig& config, const std::string& where);

// Every tensor of the file, in llama.cpp's order: embedding, blocks, final norm, output head.
std::vector<ExportTensor> plan_tensors(const model::ModelConfig& config);

// Hugging Face's q_proj/k_proj rows hold each head as two halves that rotate together (dimension
// i pairs with i + D/2); llama.cpp's LLAMA architecture rotates adjacent dimensions (2i, 2i + 1).
// Row (h, s * D/2 + j) moves to row (h, 2j + s) in place, for `heads` heads of `head_dim` rows of
// `cols` values, so both compute the same attention scores.
void permute_rope_rows(float* rows, int64_t heads, int64_t head_dim, int64_t cols);

}  // namespace longalign::gguf
