// What a plan costs: steps, micro-batches, efficiency (real tokens / tokens computed) and
// estimated training FLOPs, for the chosen plan and side by side for the other methods.
//
// Tokens computed: a pack is padded to max_tokens (fixed-shape compute), so a pack costs
// max_tokens; a naive or sorted batch is padded to its longest member, so it costs
// B_actual x longest. Efficiency is the sum of the real lengths over that.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/plan.h"

namespace longalign::data {

// The figures of a Hugging Face config.json that FLOPs depend on.
struct ModelConfig {
  uint64_t hidden_size = 0, num_hidden_layers = 0, intermediate_size = 0, vocab_size = 0;
  uint64_t num_attention_heads = 0;
};

// Reads config.json; Error naming the file and the field when one is missing or not a number.
ModelConfig read_model_config(const std::filesystem::path& path);

// Weights that multiply every token: per layer q, k, v, o (4h²) and a gated MLP (3·h·i), plus the
// output projection (vocab·h). Embedding lookups cost no matmul.
double matmul_params(const ModelConfig& model);
// P_layer / h, the attention divisor of plan.h for this model.
double attention_divisor(const ModelConfig& model);

// What the steps of a plan hold, over the full steps of the first epoch (a short last step is
// left out: it holds fewer micro-batches by construction). A sample is long from `long_from`
// tokens. The coefficient of variation (cv) is the standard deviation over the mean.
struct StepMix {
  uint64_t long_from = 0;
  uint64_t full_steps = 0;
  uint64_t min_sequences = 0, median_sequences = 0, max_sequences = 0;
  double sequences_cv = 0;
  double long_share_mean = 0, long_share_min = 0, long_share_max = 0, long_share_cv = 0;
};

struct PlanStats {
  std::string label;                                     // "pack-bfd", "sort", ...
  uint64_t steps = 0, micro_batches = 0, sequences = 0;  // per epoch
  double sequences_per_micro_batch = 0;
  uint64_t real_tokens = 0, computed_tokens = 0;  // per epoch
  double efficiency = 0;
  // 6·P·tokens computed + causal attention 6·layers·h·Σ L² (forward and backward); 0 without a
  // model config.
  double flops_per_epoch = 0;
  std::vector<double> fills;  // real/computed tokens of each micro-batch of the first epoch
  StepMix mix;
};

// The default threshold of a long sample: an eighth of a pack (8k tokens in 64k packs, where
// LongAlign's long data starts).
uint64_t default_long_from(const PlanOptions& options);

StepMix step_mix(const Plan& plan, const std::vector<Sample>& samples, uint64_t long_from);

// Figures for the first epoch of `plan` (every epoch holds the same samples); long_from 0 means
// default_long_from.
PlanStats plan_stats(const Plan& plan, const std::vector<Sample>& samples,
                     const std::optional<ModelConfig>& model, uint64_t long_from = 0);

// Plans the same samples with every method and packer (one epoch each) and returns their figures:
// pack-balanced, pack-ffd, pack-bfd, pack-next-fit, sort, naive.
std::vector<PlanStats> compare_methods(const std::vector<Sample>& samples,
                                       const PlanOptions& options,
                                       const std::optional<ModelConfig>& model,
                                       uint64_t long_from = 0);

std::string plan_label(const PlanOptions& options);
std::string report_text(const PlanStats& chosen, const std::vector<PlanStats>& all);
Json report_json(const PlanStats& chosen, const std::vector<PlanStats>& all);
// A histogram of micro-batch fill (percent) in 5% bins.
std::string fill_histogram_svg(const PlanStats& stats);

}  // namespace longalign::data
