// All of a model's parameters in one fp32 allocation, with named pointers into it (llm.c's
// layout). Gradients and AdamW's moments use the same layout, so the optimizer sees flat arrays.
//
// The internal layout is the same for every family; loading and saving map it to each family's
// Hugging Face tensor names (hf_tensors below):
//   embed       [V, C]
//   per layer:  attn_norm [C], wqkv [(H + 2G) D, C] (q rows, then k, then v), bqkv [(H + 2G) D]
//               (only with qkv_bias), wo [C, H D], mlp_norm [C], w_gate_up [2I, C] (gate rows, then
//               up), w_down [C, I]
//   final_norm  [C]
//   lm_head     [V, C] (absent with tie_word_embeddings: lm_head then points at embed)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"

namespace longalign::model {

struct LayerParams {
  float* attn_norm = nullptr;
  float* wqkv = nullptr;
  float* bqkv = nullptr;  // null without qkv_bias
  float* wo = nullptr;
  float* mlp_norm = nullptr;
  float* w_gate_up = nullptr;
  float* w_down = nullptr;
};

// One Hugging Face tensor and where it lives in the flat array: every tensor of every family is a
// contiguous run (q_proj is the first H*D rows of wqkv, up_proj the last I rows of w_gate_up).
struct HfTensor {
  std::string name;            // e.g. "model.layers.0.self_attn.q_proj.weight"
  std::vector<int64_t> shape;  // as transformers stores it
  int64_t offset = 0;          // in floats, into Parameters::data
  int64_t numel() const;
  bool is_norm = false;  // initialised to 1, not drawn from the normal distribution
  bool is_bias = false;  // initialised to 0
};

// The tensors of `config`'s family, in the order transformers lists them.
std::vector<HfTensor> hf_tensors(const ModelConfig& config);

class Parameters {
 public:
  explicit Parameters(const ModelConfig& config);
  Parameters(const Parameters&) = delete;
  Parameters& operator=(const Parameters&) = delete;

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  int64_t size() const { return size_; }  // floats, padding between tensors included
  void zero();

  float* embed = nullptr;
  std::vector<LayerParams> layers;
  float* final_norm = nullptr;
  float* lm_head = nullptr;

 private:
  struct FreeDeleter {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], FreeDeleter> data_;
  int64_t size_ = 0;
};

// normal(0, initializer_range) for every matrix and the embedding, 1 for norms, 0 for biases, as
// transformers initialises; a seed gives the same weights on every machine.
void init_parameters(Parameters& params, const ModelConfig& config, uint64_t seed);

}  // namespace longalign::model
