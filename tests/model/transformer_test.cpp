// The whole model against a naive double-precision reference written here from the formulas:
// forward losses, gradients by finite differences of the reference, the packing invariant, bf16
// against fp32 and recomputation against kept activations, for every family.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "model/batch.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/random_batch.h"
#include "model/reference_model.h"
#include "model/transformer.h"

namespace longalign::model {
namespace {

const char* kConfigs[] = {
    R"({"model_type": "llama", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "hidden_act": "silu", "initializer_range": 0.2})",
    R"({"model_type": "mistral", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 1, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
        "rope_theta": 500.0, "hidden_act": "silu", "initializer_range": 0.2,
        "sliding_window": 4096})",
    R"({"model_type": "qwen2", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "hidden_act": "silu", "initializer_range": 0.2,
        "tie_word_embeddings": true})",
    R"({"model_type": "chatglm", "hidden_size": 32, "num_layers": 2, "num_attention_heads": 4,
        "multi_query_attention": true, "multi_query_group_num": 2, "kv_channels": 8,
        "ffn_hidden_size": 24, "padded_vocab_size": 61, "seq_length": 128,
        "layernorm_epsilon": 1e-5, "add_qkv_bias": true, "rope_ratio": 2, "rmsnorm": true,
        "add_bias_linear": false, "apply_residual_connection_post_layernorm": false,
        "post_layer_norm": true, "initializer_range": 0.2})",
};

// The summed weighted loss of the batch, and each token's loss.
double ref_loss(const ModelConfig& m, const RefParams& rp, const Batch& b, Vec* token_loss,
                std::vector<int32_t>* argmax = nullptr) {
  const int64_t T = b.size(), V = m.vocab;
  const Vec logits = ref_logits(m, rp, b.tokens, b.positions, b.cu_seqlens);
  double loss = 0;
  if (token_loss) token_loss->assign(T, 0.0);
  if (argmax) argmax->assign(T, -1);
  for (int64_t t = 0; t < T; ++t) {
    if (b.targets[t] < 0) continue;
    double mx = -1e300, z = 0;
    for (int64_t v = 0; v < V; ++v) mx = std::max(mx, logits[t * V + v]);
    for (int64_t v = 0; v < V; ++v) z += std::exp(logits[t * V + v] - mx);
    const double l = mx + std::log(z) - logits[t * V + b.targets[t]];
    if (token_loss) (*token_loss)[t] = l;
    if (argmax) {
      const double* row = &logits[t * V];
      (*argmax)[t] = static_cast<int32_t>(std::max_element(row, row + V) - row);
    }
    loss += b.token_weights[t] * l;
  }
  return loss;
}

class TransformerTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    config_ = parse_config(parse_json(kConfigs[GetParam()], "test config"), "test config");
    params_ = std::make_unique<Parameters>(config_);
    init_parameters(*params_, config_, 7);
    // Norms and biases start at 1 and 0; random values make every term of the math show.
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (const HfTensor& t : hf_tensors(config_)) {
      if (!t.is_norm && !t.is_bias) continue;
      for (int64_t i = 0; i < t.numel(); ++i) {
        params_->data()[t.offset + i] = (t.is_norm ? 1.0f : 0.0f) + u(rng);
      }
    }
  }

  std::vector<float> gradients(const Batch& b, Precision precision, Recompute recompute,
                               double* loss = nullptr) {
    Parameters grads(config_);
    Transformer model(config_, *params_);
    StepOptions options;
    options.precision = precision;
    options.recompute = recompute;
    const double l = model.forward_backward(b, grads, options);
    if (loss) *loss = l;
    return std::vector<float>(grads.data(), grads.data() + grads.size());
  }

  ModelConfig config_;
  std::unique_ptr<Parameters> params_;
};

TEST_P(TransformerTest, ForwardMatchesNaiveReference) {
  for (PackPositions positions : {PackPositions::restart, PackPositions::continuous}) {
    const Batch b = batch_of(random_samples({5, 1, 9, 17}, config_.vocab, 11), positions);
    Transformer model(config_, *params_);
    std::vector<float> token_loss(b.size());
    const double loss = model.forward(b, Precision::fp32, token_loss.data());
    Vec ref_tokens;
    const double ref = ref_loss(config_, RefParams(*params_), b, &ref_tokens);
    EXPECT_NEAR(loss, ref, 1e-5 * std::abs(ref));
    for (int64_t t = 0; t < b.size(); ++t) {
      EXPECT_NEAR(token_loss[t], ref_tokens[t], 1e-4) << "token " << t;
    }
  }
}

// token_correct marks exactly the targets the reference ranks first: every other target is set
// to the reference's most likely token, the rest stay random.
TEST_P(TransformerTest, TokenCorrectIsTheReferencesArgmax) {
  Batch b = batch_of(random_samples({12, 20}, config_.vocab, 6));
  std::vector<int32_t> argmax;
  ref_loss(config_, RefParams(*params_), b, nullptr, &argmax);
  for (int64_t t = 0; t < b.size(); t += 2) {
    if (b.targets[t] >= 0) b.targets[t] = argmax[t];
  }
  std::vector<uint8_t> correct(b.size());
  Transformer(config_, *params_).forward(b, Precision::fp32, nullptr, correct.data());
  int64_t count = 0;
  for (int64_t t = 0; t < b.size(); ++t) {
    EXPECT_EQ(correct[t], b.targets[t] >= 0 && b.targets[t] == argmax[t]) << "token " << t;
    count += correct[t];
  }
  EXPECT_GT(count, 5);
}

TEST_P(TransformerTest, GradientsMatchFiniteDifferencesOfReference) {
  const Batch b = batch_of(random_samples({6, 1, 11}, config_.vocab, 5));
  const std::vector<float> grads = gradients(b, Precision::fp32, Recompute::off);
  RefParams rp(*params_);
  std::mt19937 rng(9);
  int checked = 0;
  for (const HfTensor& t : hf_tensors(config_)) {
    for (int k = 0; k < 4; ++k) {  // a few entries of every tensor
      const int64_t i = t.offset + int64_t(rng() % t.numel());
      const double keep = rp.p[i], h = 1e-4;
      rp.p[i] = keep + h;
      const double up = ref_loss(config_, rp, b, nullptr);
      rp.p[i] = keep - h;
      const double down = ref_loss(config_, rp, b, nullptr);
      rp.p[i] = keep;
      const double fd = (up - down) / (2 * h);
      EXPECT_NEAR(grads[i], fd, 2e-4 + 2e-3 * std::abs(fd))
          << t.name << " [" << i - t.offset << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST_P(TransformerTest, PackEqualsSequencesRunAlone) {
  const std::vector<RandomSample> samples = random_samples({7, 1, 13, 4}, config_.vocab, 21);
  const Batch pack = batch_of(samples);
  Transformer model(config_, *params_);
  std::vector<float> pack_tokens(pack.size());
  Parameters pack_grads(config_);
  StepOptions options;
  model.forward_backward(pack, pack_grads, options, pack_tokens.data());
  const std::vector<double> pack_losses = sum_per_sequence(pack, pack_tokens);

  Parameters alone_grads(config_);
  for (size_t s = 0; s < samples.size(); ++s) {
    Batch one = batch_of({samples[s]});
    // The same token weights the sequence had inside the pack.
    for (int64_t t = 0; t < one.size(); ++t)
      one.token_weights[t] = pack.token_weights[pack.cu_seqlens[s] + t];
    std::vector<float> tokens(one.size());
    model.forward_backward(one, alone_grads, options, tokens.data());
    const double alone = sum_per_sequence(one, tokens)[0];
    EXPECT_NEAR(pack_losses[s], alone, 1e-5 * (1 + std::abs(alone))) << "sequence " << s;
  }
  for (int64_t i = 0; i < pack_grads.size(); ++i) {
    ASSERT_NEAR(pack_grads.data()[i], alone_grads.data()[i],
                1e-6 + 1e-4 * std::abs(alone_grads.data()[i]))
        << "gradient entry " << i;
  }
}

// Rounding a pack up to a multiple of 16 tokens adds a padding segment: the real sequences' losses
// and every gradient are those of the unpadded pack.
TEST_P(TransformerTest, PaddingToAMultipleChangesNoLossOrGradient) {
  const Batch pack = batch_of(random_samples({7, 1, 13, 4}, config_.vocab, 22));
  Batch padded = pack;
  pad_to_multiple(padded, 16, 3);
  ASSERT_EQ(padded.size(), 32);
  ASSERT_EQ(padded.sequences(), pack.sequences() + 1);
  EXPECT_EQ(padded.target_counts.back(), 0);
  Transformer model(config_, *params_);
  StepOptions options;
  Parameters plain_grads(config_), padded_grads(config_);
  std::vector<float> plain_tokens(pack.size()), padded_tokens(padded.size());
  const double plain = model.forward_backward(pack, plain_grads, options, plain_tokens.data());
  const double with_pad =
      model.forward_backward(padded, padded_grads, options, padded_tokens.data());
  EXPECT_NEAR(with_pad, plain, 1e-6 * (1 + std::abs(plain)));
  for (int64_t t = 0; t < pack.size(); ++t) {
    EXPECT_NEAR(padded_tokens[t], plain_tokens[t], 1e-5 * (1 + std::abs(plain_tokens[t])));
  }
  for (int64_t i = 0; i < plain_grads.size(); ++i) {
    ASSERT_NEAR(padded_grads.data()[i], plain_grads.data()[i],
                1e-7 + 1e-5 * std::abs(plain_grads.data()[i]))
        << "gradient entry " << i;
  }
  // A multiple the pack already is, or 1, adds nothing.
  Batch same = padded;
  pad_to_multiple(same, 16, 3);
  pad_to_multiple(same, 1, 3);
  EXPECT_EQ(same.size(), padded.size());
}

TEST_P(TransformerTest, RecomputationGivesTheSameGradients) {
  const Batch b = batch_of(random_samples({9, 3, 12}, config_.vocab, 8));
  double kept_loss = 0, recomputed_loss = 0;
  const std::vector<float> kept = gradients(b, Precision::fp32, Recompute::off, &kept_loss);
  const std::vector<float> recomputed =
      gradients(b, Precision::fp32, Recompute::on, &recomputed_loss);
  EXPECT_EQ(kept_loss, recomputed_loss);
  EXPECT_EQ(kept, recomputed);
}

// bf16 rounds every product's inputs to 8 bits of mantissa: the loss stays within 1% and the
// gradient within 5% (relative L2) of fp32 on this model.
TEST_P(TransformerTest, Bf16IsCloseToFp32) {
  const Batch b = batch_of(random_samples({20, 9, 31}, config_.vocab, 4));
  double loss32 = 0, loss16 = 0;
  const std::vector<float> g32 = gradients(b, Precision::fp32, Recompute::off, &loss32);
  const std::vector<float> g16 = gradients(b, Precision::bf16, Recompute::off, &loss16);
  EXPECT_NEAR(loss16, loss32, 1e-2 * std::abs(loss32));
  double diff = 0, norm = 0;
  for (size_t i = 0; i < g32.size(); ++i) {
    diff += double(g16[i] - g32[i]) * (g16[i] - g32[i]);
    norm += double(g32[i]) * g32[i];
  }
  EXPECT_LT(std::sqrt(diff / norm), 5e-2);
}

std::string family_of(const ::testing::TestParamInfo<int>& info) {
  static const char* const kNames[] = {"llama", "mistral", "qwen2", "chatglm"};
  return kNames[info.param];
}

INSTANTIATE_TEST_SUITE_P(Families, TransformerTest, ::testing::Range(0, 4), family_of);

}  // namespace
}  // namespace longalign::model
