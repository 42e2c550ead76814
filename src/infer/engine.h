// The model run for inference: prefill of a prompt through the varlen attention path (memory
// O(N) at 100k tokens) and batched decode steps against per-request KV caches.
//
//   prefill:  layer by layer over the whole prompt; the projections and the MLP run on chunks of
//             rows, attention on all of them at once (tiled, never T x T); each layer's rotated
//             keys and values are copied into the request's cache. Logits of the last position.
//   decode:   one new token for each of M requests: every product has M rows (one pass over the
//             weights for all of them), attention runs per request against its own cache.
//   A prompt whose start is already in the cache (the next turn of a chat) prefills only the rest,
//   its rows attending to the cache (cache_attention.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "infer/kv_cache.h"
#include "model/bf16.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/precision.h"
#include "model/rope.h"

namespace longalign::infer {

struct EngineOptions {
  model::Precision precision = model::Precision::bf16;  // of the matrix products
  KvDtype kv_dtype = KvDtype::bf16;
  int64_t max_context = 0;  // 0: the config's max_position_embeddings
  // Prompt rows per projection/MLP chunk in prefill (rounded up to a multiple of 16): bounds the
  // MLP's [rows, 2I] working set at long prompts.
  int64_t prefill_chunk = 2048;
};

// "bf16" or "fp32"; UsageError otherwise.
KvDtype parse_kv_dtype(const std::string& name);

// One caller at a time: the engine keeps buffers between calls (the scheduler's worker is its one
// caller in the server).
class Engine {
 public:
  // Runs `params` (shared, so a test can keep them for a reference) with `config`.
  Engine(model::ModelConfig config, std::shared_ptr<const model::Parameters> params,
         const EngineOptions& options);
  // A model folder: config.json and the safetensors weights.
  static std::unique_ptr<Engine> load(const std::filesystem::path& model_dir,
                                      const EngineOptions& options);

  const model::ModelConfig& config() const { return config_; }
  const model::Parameters& params() const { return *params_; }
  const EngineOptions& options() const { return options_; }
  // The longest sequence (prompt and generated tokens) a cache may hold.
  int64_t max_context() const { return max_context_; }

  // An empty cache for up to `capacity` tokens (at most max_context()).
  KvCache new_cache(int64_t capacity) const;

  // Runs `tokens` (not empty) into `cache` after the tokens it already holds (positions
  // length()..length() + T - 1; a cached prefix is not computed again) and returns the logits of
  // the last position, [V]. Tokens outside the vocabulary and a prompt longer than the cache
  // are Errors.
  std::vector<float> prefill(KvCache& cache, std::span<const int32_t> tokens);

  // One step for M requests: tokens[i] enters caches[i] at position caches[i]->length(), which
  // must be below its capacity. Returns the logits of the M new positions, [M, V].
  std::vector<float> decode_batch(std::span<KvCache* const> caches,
                                  std::span<const int32_t> tokens);

 private:
  struct Bf16Layer {
    std::vector<model::bf16> wqkv, wo, w_gate_up, w_down;
  };

  void check_tokens(std::span<const int32_t> tokens) const;
  // attn [T, HD] of a prompt's rows (qkv [T, Q], rotated) at positions start.., whose keys and
  // values of `layer` are already in `cache`.
  void attend_prompt(const KvCache& cache, int64_t layer, int64_t start, int64_t T,
                     const float* qkv, float* attn);
  const model::RopeTable& rope_for(int64_t seq_len);
  // logits [M, V] = rmsnorm(x [M, C]) W_head^T.
  std::vector<float> head(const float* x, int64_t M);

  model::ModelConfig config_;
  std::shared_ptr<const model::Parameters> params_;
  EngineOptions options_;
  int64_t max_context_ = 0;
  // bf16 copies of the matrices for bf16 products, rounded once rather than at every product.
  std::vector<Bf16Layer> bf16_layers_;
  std::vector<model::bf16> bf16_head_;
  model::RopeTable rope_;  // for every length, unless the scaling is dynamic
  model::RopeTable dynamic_rope_;
  // Prefill's buffers, kept between calls (an engine serves one caller at a time).
  struct Workspace {
    std::vector<float> x, qkv, attn, ln, rstd, gate_up, act;
  } work_;
};

}  // namespace longalign::infer
