// The CUDA engine against the CPU engine on the same random model and packs, for every family
// and for head sizes on both attention implementations: per-token losses (fp32 within 1e-5
// relative, bf16 within 1%), every gradient (fp32 within 1e-4 relative L2, bf16 within 5%), one
// AdamW step, the packing invariant, bit-identical repeats, and long packs that run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/json.h"
#include "cuda/cublaslt.h"
#include "cuda/engine.h"
#include "gpu_test_support.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/random_batch.h"
#include "train/adamw.h"
#include "train/engine.h"

namespace longalign {
namespace {

using model::batch_of;
using model::random_samples;

using testing::relative_l2;

struct Family {
  const char* name;
  const char* config;
};

// The four families of the CPU engine's tests (head_dim 8: the CUDA-core attention), and Llama
// shapes with head_dim 16, 64 and 128 (the tensor-core attention), one with llama3 rope scaling
// and one with 8 query heads per kv head.
const Family kFamilies[] = {
    {"llama", R"({"model_type": "llama", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "hidden_act": "silu", "initializer_range": 0.2})"},
    {"mistral", R"({"model_type": "mistral", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 1, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
        "rope_theta": 500.0, "hidden_act": "silu", "initializer_range": 0.2,
        "sliding_window": 4096})"},
    {"qwen2", R"({"model_type": "qwen2", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "hidden_act": "silu", "initializer_range": 0.2,
        "tie_word_embeddings": true})"},
    {"chatglm", R"({"model_type": "chatglm", "hidden_size": 32, "num_layers": 2,
        "num_attention_heads": 4, "multi_query_attention": true, "multi_query_group_num": 2,
        "kv_channels": 8, "ffn_hidden_size": 24, "padded_vocab_size": 61, "seq_length": 128,
        "layernorm_epsilon": 1e-5, "add_qkv_bias": true, "rope_ratio": 2, "rmsnorm": true,
        "add_bias_linear": false, "apply_residual_connection_post_layernorm": false,
        "post_layer_norm": true, "initializer_range": 0.2})"},
    {"llama-d16-gqa8", R"({"model_type": "llama", "hidden_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 8, "num_key_value_heads": 1, "intermediate_size": 96,
        "vocab_size": 311, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "hidden_act": "silu", "initializer_range": 0.05})"},
    {"llama-d64-llama3", R"({"model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 320,
        "vocab_size": 509, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
        "rope_theta": 500000.0, "hidden_act": "silu", "initializer_range": 0.05,
        "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 512}})"},
    {"llama-d128", R"({"model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2,
        "num_attention_heads": 2, "num_key_value_heads": 2, "intermediate_size": 384,
        "vocab_size": 1021, "max_position_embeddings": 8192, "rms_norm_eps": 1e-5,
        "rope_theta": 2000000.0, "hidden_act": "silu", "initializer_range": 0.05})"},
};

// A model on both engines: the same random weights (norms and biases random too), each engine
// with its own host copies.
struct TwoEngines {
  model::ModelConfig config;
  model::Parameters cpu_params, gpu_params;
  train::AdamW cpu_adamw, gpu_adamw;
  std::unique_ptr<train::Engine> cpu, gpu;

  explicit TwoEngines(const char* json)
      : config(model::parse_config(parse_json(json, "test config"), "test config")),
        cpu_params(config),
        gpu_params(config),
        cpu_adamw(config, cpu_params.size(), train::AdamWOptions{0.9, 0.95, 1e-8, 0.1}),
        gpu_adamw(config, gpu_params.size(), train::AdamWOptions{0.9, 0.95, 1e-8, 0.1}) {
    model::init_parameters(cpu_params, config, 7);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (const model::HfTensor& t : model::hf_tensors(config)) {
      if (!t.is_norm && !t.is_bias) continue;
      for (int64_t i = 0; i < t.numel(); ++i) {
        cpu_params.data()[t.offset + i] = (t.is_norm ? 1.0f : 0.0f) + u(rng);
      }
    }
    std::copy(cpu_params.data(), cpu_params.data() + cpu_params.size(), gpu_params.data());
    cpu = train::make_cpu_engine(config, cpu_params, &cpu_adamw);
    gpu = cuda::make_engine(config, gpu_params, &gpu_adamw);
    gpu->upload();
  }

  std::vector<float> grads(train::Engine& e) {
    std::vector<float> g(cpu_params.size());
    e.copy_grads(g.data());
    return g;
  }
};

class CudaEngineTest : public ::testing::TestWithParam<Family> {};

void compare_step(const Family& f, model::Precision precision, double loss_tol, double grad_tol) {
  TwoEngines e(f.config);
  const model::Batch b = batch_of(random_samples({70, 1, 13, 130, 9}, e.config.vocab, 21));
  model::StepOptions options;
  options.precision = precision;
  std::vector<float> cpu_tokens(b.size()), gpu_tokens(b.size());
  e.cpu->zero_grads();
  e.gpu->zero_grads();
  const double cpu_loss = e.cpu->forward_backward(b, options, cpu_tokens.data());
  const double gpu_loss = e.gpu->forward_backward(b, options, gpu_tokens.data());
  EXPECT_NEAR(gpu_loss, cpu_loss, loss_tol * std::abs(cpu_loss));
  for (int64_t t = 0; t < b.size(); ++t) {
    ASSERT_NEAR(gpu_tokens[t], cpu_tokens[t], loss_tol * (1e-3 + std::abs(cpu_tokens[t])))
        << "token " << t;
  }
  const std::vector<float> cg = e.grads(*e.cpu), gg = e.grads(*e.gpu);
  for (const model::HfTensor& t : model::hf_tensors(e.config)) {
    const std::vector<float> a(gg.begin() + t.offset, gg.begin() + t.offset + t.numel());
    const std::vector<float> c(cg.begin() + t.offset, cg.begin() + t.offset + t.numel());
    EXPECT_LT(relative_l2(a, c), grad_tol) << t.name;
  }
  // One clipped AdamW step on each: the weights stay as close as the gradients were.
  EXPECT_NEAR(e.gpu->clip_grad_norm(1.0), e.cpu->clip_grad_norm(1.0),
              grad_tol * e.cpu->clip_grad_norm(0));
  e.cpu->adamw_step(1e-3);
  e.gpu->adamw_step(1e-3);
  e.gpu->download();
  std::vector<float> moved_cpu(e.cpu_params.size()), moved_gpu(e.cpu_params.size());
  for (int64_t i = 0; i < e.cpu_params.size(); ++i) {
    moved_cpu[i] = e.cpu_params.data()[i];
    moved_gpu[i] = e.gpu_params.data()[i];
  }
  EXPECT_LT(relative_l2(moved_gpu, moved_cpu), 1e-3);
  EXPECT_EQ(e.gpu_adamw.steps(), 1);
}

TEST_P(CudaEngineTest, Fp32MatchesTheCpuEngine) {
  LONGALIGN_REQUIRE_GPU();
  compare_step(GetParam(), model::Precision::fp32, 1e-5, 1e-4);
}

TEST_P(CudaEngineTest, Bf16IsWithinTolerance) {
  LONGALIGN_REQUIRE_GPU();
  compare_step(GetParam(), model::Precision::bf16, 1e-2, 5e-2);
}

TEST_P(CudaEngineTest, PackEqualsSequencesRunAlone) {
  LONGALIGN_REQUIRE_GPU();
  TwoEngines e(GetParam().config);
  const auto samples = random_samples({67, 1, 13, 64}, e.config.vocab, 5);
  const model::Batch pack = batch_of(samples);
  model::StepOptions options;
  std::vector<float> pack_tokens(pack.size());
  e.gpu->zero_grads();
  e.gpu->forward_backward(pack, options, pack_tokens.data());
  const std::vector<float> pack_grads = e.grads(*e.gpu);
  e.gpu->zero_grads();
  for (size_t s = 0; s < samples.size(); ++s) {
    model::Batch one = batch_of({samples[s]});
    for (int64_t t = 0; t < one.size(); ++t)
      one.token_weights[t] = pack.token_weights[pack.cu_seqlens[s] + t];
    std::vector<float> tokens(one.size());
    e.gpu->forward_backward(one, options, tokens.data());
    for (int64_t t = 0; t < one.size(); ++t) {
      EXPECT_NEAR(pack_tokens[pack.cu_seqlens[s] + t], tokens[t], 1e-5 * (1 + std::abs(tokens[t])));
    }
  }
  EXPECT_LT(relative_l2(pack_grads, e.grads(*e.gpu)), 1e-5);
}

TEST_P(CudaEngineTest, RepeatsAreBitIdentical) {
  LONGALIGN_REQUIRE_GPU();
  TwoEngines e(GetParam().config);
  const model::Batch b = batch_of(random_samples({200, 33, 90}, e.config.vocab, 8));
  model::StepOptions options;
  options.precision = model::Precision::bf16;
  std::vector<std::vector<float>> grads;
  std::vector<double> losses;
  for (int run = 0; run < 2; ++run) {
    e.gpu->zero_grads();
    losses.push_back(e.gpu->forward_backward(b, options));
    grads.push_back(e.grads(*e.gpu));
  }
  EXPECT_EQ(losses[0], losses[1]);
  EXPECT_TRUE(grads[0] == grads[1]);
}

TEST_P(CudaEngineTest, RecomputationGivesTheSameGradients) {
  LONGALIGN_REQUIRE_GPU();
  TwoEngines e(GetParam().config);
  const model::Batch b = batch_of(random_samples({90, 17}, e.config.vocab, 4));
  std::vector<std::vector<float>> grads;
  for (model::Recompute r : {model::Recompute::off, model::Recompute::on}) {
    model::StepOptions options;
    options.recompute = r;
    e.gpu->zero_grads();
    e.gpu->forward_backward(b, options);
    grads.push_back(e.grads(*e.gpu));
  }
  EXPECT_TRUE(grads[0] == grads[1]);
}

INSTANTIATE_TEST_SUITE_P(Families, CudaEngineTest, ::testing::ValuesIn(kFamilies),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// cuBLASLt is loaded on first use, not at start: its functions resolve on any machine with the
// toolkit, GPU or not.
TEST(CudaLibraries, CublasLtLoadsOnFirstUse) {
  const cuda::CublasLt& lt = cuda::cublaslt();
  EXPECT_NE(lt.create, nullptr);
  EXPECT_NE(lt.matmul, nullptr);
  EXPECT_NE(lt.heuristic, nullptr);
}

// Without a usable GPU, --device auto falls back to the CPU and says nothing; asking for the GPU
// says why it cannot.
TEST(CudaLibraries, AvailabilityGivesAReason) {
  std::string why;
  if (cuda::gpu_available(&why)) GTEST_SKIP() << "a GPU is visible";
  EXPECT_FALSE(why.empty());
}

// 64k and 128k tokens in one pack of a small model: the O(T) attention and the chunked LM head
// run, with recomputation, and the loss is finite.
TEST(CudaEngineLong, PacksOf64kAnd128kTokensRun) {
  LONGALIGN_REQUIRE_GPU();
  TwoEngines e(kFamilies[6].config);
  for (int tokens : {65536, 131072}) {
    const model::Batch b = batch_of(
        random_samples({tokens / 2, tokens / 4, tokens / 4}, e.config.vocab, uint32_t(tokens)));
    model::StepOptions options;
    options.precision = model::Precision::bf16;
    e.gpu->zero_grads();
    const double loss = e.gpu->forward_backward(b, options);
    EXPECT_TRUE(std::isfinite(loss)) << tokens;
    EXPECT_TRUE(std::isfinite(e.gpu->clip_grad_norm(0))) << tokens;
  }
}

}  // namespace
}  // namespace longalign
