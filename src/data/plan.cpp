#include "data/plan.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "data/shuffle.h"
#include "data/step_dealer.h"

namespace longalign::data {

namespace {

// Cuts `order` into consecutive batches of `size`; the last may be short.
std::vector<MicroBatch> cut_batches(const std::vector<uint32_t>& order, uint32_t size) {
  std::vector<MicroBatch> batches;
  for (size_t i = 0; i < order.size(); i += size) {
    const size_t end = std::min(order.size(), i + size);
    batches.emplace_back(order.begin() + static_cast<ptrdiff_t>(i),
                         order.begin() + static_cast<ptrdiff_t>(end));
  }
  return batches;
}

std::vector<uint32_t> identity(size_t n) {
  std::vector<uint32_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0u);
  return ids;
}

std::vector<MicroBatch> sorted_batches(const std::vector<Sample>& samples, uint32_t size) {
  auto order = identity(samples.size());
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return samples[a].length < samples[b].length; });
  return cut_batches(order, size);
}

void check_options(const std::vector<Sample>& samples, const PlanOptions& o) {
  if (o.max_tokens == 0) throw UsageError("--max-tokens must be at least 1");
  if (o.batch_size == 0) throw UsageError("--batch-size must be at least 1");
  if (o.grad_accum == 0) throw UsageError("--grad-accum must be at least 1");
  if (o.world_size == 0) throw UsageError("--world-size must be at least 1");
  if (o.epochs == 0) throw UsageError("--epochs must be at least 1");
  if (!(o.attention_divisor > 0)) throw UsageError("the attention divisor must be positive");
  // Sample ids are 32-bit in plans: 4 billion samples is far beyond any fine-tuning set.
  if (samples.size() > UINT32_MAX) throw Error("more than 2^32 - 1 samples cannot be planned");
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].length > o.max_tokens) {
      throw Error("sample " + std::to_string(i) + " has " + std::to_string(samples[i].length) +
                  " tokens, more than --max-tokens " + std::to_string(o.max_tokens));
    }
  }
}

}  // namespace

std::string method_name(Method method) {
  switch (method) {
    case Method::kNaive:
      return "naive";
    case Method::kSort:
      return "sort";
    case Method::kPack:
      return "pack";
  }
  return "?";
}

std::string packer_name(Packer packer) {
  switch (packer) {
    case Packer::kFirstFitDecreasing:
      return "ffd";
    case Packer::kBestFitDecreasing:
      return "bfd";
    case Packer::kNextFit:
      return "next-fit";
    case Packer::kBalanced:
      return "balanced";
  }
  return "?";
}

Method parse_method(const std::string& name) {
  for (const Method m : {Method::kNaive, Method::kSort, Method::kPack}) {
    if (method_name(m) == name) return m;
  }
  throw UsageError("unknown method \"" + name + "\" (naive, sort or pack)");
}

Packer parse_packer(const std::string& name) {
  for (const Packer p : {Packer::kBalanced, Packer::kFirstFitDecreasing, Packer::kBestFitDecreasing,
                         Packer::kNextFit}) {
    if (packer_name(p) == name) return p;
  }
  throw UsageError("unknown packer \"" + name + "\" (balanced, ffd, bfd or next-fit)");
}

double sequence_compute(uint64_t length, double attention_divisor) {
  const auto l = static_cast<double>(length);
  return l + l * l / attention_divisor;
}

double micro_batch_compute(const MicroBatch& mb, const std::vector<Sample>& samples,
                           double attention_divisor) {
  double total = 0;
  for (const uint32_t id : mb) total += sequence_compute(samples[id].length, attention_divisor);
  return total;
}

std::vector<MicroBatch> fixed_groups(const std::vector<Sample>& samples,
                                     const PlanOptions& options) {
  switch (options.method) {
    case Method::kNaive:
      return {};
    case Method::kSort:
      return sorted_batches(samples, options.batch_size);
    case Method::kPack:
      return pack_samples(samples, options.max_tokens, options.packer);
  }
  return {};
}

std::vector<MicroBatch> epoch_micro_batches(const std::vector<Sample>& samples,
                                            const PlanOptions& options, uint32_t epoch,
                                            const std::vector<MicroBatch>* groups) {
  const uint64_t seed = epoch_seed(options.seed, epoch);
  if (options.method == Method::kNaive) {
    auto order = identity(samples.size());
    seeded_shuffle(order, seed);
    return cut_batches(order, options.batch_size);
  }
  // Packing and sorting fix the groups; the epoch seed fixes the order they are trained in. The
  // balanced packer also deals its packs into steps that each look like the data set.
  auto mbs = groups ? *groups : fixed_groups(samples, options);
  if (options.method == Method::kPack && options.packer == Packer::kBalanced) {
    return deal_into_steps(std::move(mbs), size_t{options.world_size} * options.grad_accum, seed);
  }
  seeded_shuffle(mbs, seed);
  return mbs;
}

std::vector<std::vector<MicroBatch>> balance_ranks(std::vector<MicroBatch> micro_batches,
                                                   const std::vector<Sample>& samples,
                                                   uint32_t world_size, double attention_divisor) {
  std::vector<std::pair<double, size_t>> by_cost(micro_batches.size());
  for (size_t i = 0; i < micro_batches.size(); ++i) {
    by_cost[i] = {micro_batch_compute(micro_batches[i], samples, attention_divisor), i};
  }
  // Largest first; ties by position so the assignment is deterministic.
  std::sort(by_cost.begin(), by_cost.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::vector<MicroBatch>> ranks(world_size);
  std::vector<double> load(world_size, 0.0);
  for (const auto& [cost, i] : by_cost) {
    // A linear scan: a step holds world_size x grad_accum micro-batches, a few hundred at most.
    const auto r = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[r] += cost;
    ranks[r].push_back(std::move(micro_batches[i]));
  }
  return ranks;
}

Plan make_plan(const std::vector<Sample>& samples, const PlanOptions& options) {
  check_options(samples, options);
  Plan plan;
  plan.options = options;
  plan.sample_count = samples.size();
  const uint64_t per_step = uint64_t{options.world_size} * options.grad_accum;
  // Packs and sorted batches are the same every epoch: build them once.
  const auto groups = fixed_groups(samples, options);
  for (uint32_t epoch = 0; epoch < options.epochs; ++epoch) {
    auto mbs = epoch_micro_batches(samples, options, epoch, &groups);
    // Steps stay inside an epoch, so an epoch's last step may be short; it is kept, not dropped.
    for (size_t begin = 0; begin < mbs.size(); begin += per_step) {
      const size_t end = std::min<size_t>(mbs.size(), begin + per_step);
      Step step;
      step.epoch = epoch;
      step.k = end - begin;
      std::vector<MicroBatch> chunk;
      for (size_t i = begin; i < end; ++i) {
        step.m += mbs[i].size();
        chunk.push_back(std::move(mbs[i]));
      }
      step.ranks =
          balance_ranks(std::move(chunk), samples, options.world_size, options.attention_divisor);
      plan.steps.push_back(std::move(step));
    }
  }
  return plan;
}

}  // namespace longalign::data
