// The training plan: which samples go into which micro-batch, on which rank, in which optimizer
// step, with the counts the trainer needs to weight the loss.
//
// Loss weighting. A global (optimizer) step holds K micro-batches over all ranks and gradient
// accumulation steps and M sequences. With L_i the summed token loss of sequence i and N_i its
// target tokens, the trainer offers three loss modes:
//   token:    Σ_i L_i / Σ_i N_i, the mean over every target token of the step;
//   pack:     (1/K) Σ_k (Σ_{i∈k} L_i / Σ_{i∈k} N_i), LongAlign's packing without weighting: a mean
//             per micro-batch, then a mean over micro-batches (favours sequences in small packs);
//   sequence: (1/M) Σ_i L_i / N_i, LongAlign's loss weighting: the mean over sequences of each
//             sequence's mean token loss.
// For `sequence` the trainer weights every target token of sequence i by 1/(N_i·M) and sums over
// the whole step (each rank sums its share; the all-reduce adds them). That equals LongAlign's
// form, K/(N_i·M) per token summed per pack and averaged over the K packs, because the K cancels.
// K and M are global: LongAlign takes K as the local GPU count, which is wrong on several nodes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/packer.h"
#include "data/samples.h"

namespace longalign::data {

enum class Method {
  kNaive,  // random batches of B, padded to the longest member
  kSort,   // sorted by length, cut into batches of B, batch order shuffled
  kPack,   // bin-packed into packs of at most max_tokens tokens, packs shuffled
};

// Estimated compute of a sequence of L tokens, in token-equivalents: L + L²/attention_divisor.
// Per layer a token costs 2·P_layer matmul FLOPs (P_layer = the layer's weights) and causal
// attention over a sequence costs about 2·L²·h, so attention adds L²·h/P_layer, i.e. the divisor
// is P_layer/h. For the classic 12·h² layer that is 12·h; the default assumes h = 4096 (Llama-2-7B,
// ChatGLM3-6B): 49152. At 64k tokens the attention term is then 1.3x the matmul term.
inline constexpr double kDefaultAttentionDivisor = 12.0 * 4096.0;

struct PlanOptions {
  Method method = Method::kPack;
  Packer packer = Packer::kBalanced;
  uint64_t max_tokens = 65536;
  uint32_t batch_size = 1;  // sequences per batch for naive and sort
  uint32_t grad_accum = 1;
  uint32_t world_size = 1;
  uint64_t seed = 0;
  uint32_t epochs = 1;
  double attention_divisor = kDefaultAttentionDivisor;
};

// One optimizer step. ranks[r] lists the micro-batches rank r runs in this step (ranks may get
// different numbers when compute differs, and none in a short last step); the trainer
// accumulates over them.
struct Step {
  uint32_t epoch = 0;
  uint64_t k = 0;  // micro-batches in the step, all ranks
  uint64_t m = 0;  // sequences in the step, all ranks
  std::vector<std::vector<MicroBatch>> ranks;
};

struct Plan {
  PlanOptions options;
  uint64_t sample_count = 0;
  std::vector<Step> steps;
};

std::string method_name(Method method);
std::string packer_name(Packer packer);
// Parse the CLI spellings ("naive", "sort", "pack"; "balanced", "ffd", "bfd", "next-fit");
// UsageError if not.
Method parse_method(const std::string& name);
Packer parse_packer(const std::string& name);

// Estimated compute of one sequence and of one micro-batch (see kDefaultAttentionDivisor).
double sequence_compute(uint64_t length, double attention_divisor);
double micro_batch_compute(const MicroBatch& mb, const std::vector<Sample>& samples,
                           double attention_divisor);

// The groups that do not change between epochs: the packs (pack) or the sorted batches (sort);
// empty for naive, which regroups every epoch.
std::vector<MicroBatch> fixed_groups(const std::vector<Sample>& samples,
                                     const PlanOptions& options);

// The micro-batches of one epoch, in training order. Every sample appears exactly once. `groups`,
// when given, is fixed_groups(samples, options), computed once for all epochs.
std::vector<MicroBatch> epoch_micro_batches(const std::vector<Sample>& samples,
                                            const PlanOptions& options, uint32_t epoch,
                                            const std::vector<MicroBatch>* groups = nullptr);

// Assigns micro-batches to `world_size` ranks: largest estimated compute first, each onto the
// least-loaded rank (LPT), so the slowest rank carries at most total/R + the largest micro-batch.
std::vector<std::vector<MicroBatch>> balance_ranks(std::vector<MicroBatch> micro_batches,
                                                   const std::vector<Sample>& samples,
                                                   uint32_t world_size, double attention_divisor);

// The whole plan. Throws Error for a sample longer than max_tokens (naming it) and UsageError for
// options that cannot be planned (zero sizes).
Plan make_plan(const std::vector<Sample>& samples, const PlanOptions& options);

}  // namespace longalign::data
