// Planner benchmark: wall time to plan N sequences (default 1M, the LongAlign-like mix scaled up)
// with every method and packer, and on the LongAlign-like mix itself (80k short lognormal
// sequences, median ~800 tokens, plus 10k uniform in 8k-64k; packs of 64k, 8 ranks) the
// efficiency of each and what its steps hold: sequences per step and the share of long (8k+)
// samples, min/median/max and coefficient of variation over the full steps.
//
//   plan_bench [--sequences N] [--runs R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "data/plan.h"
#include "data/plan_report.h"
#include "data/synthetic_lengths.h"

namespace {

using namespace longalign::data;

struct Kind {
  const char* label;
  Method method;
  Packer packer;
};

const Kind kKinds[] = {
    {"pack-balanced", Method::kPack, Packer::kBalanced},
    {"pack-ffd", Method::kPack, Packer::kFirstFitDecreasing},
    {"pack-bfd", Method::kPack, Packer::kBestFitDecreasing},
    {"pack-next-fit", Method::kPack, Packer::kNextFit},
    {"sort", Method::kSort, Packer::kBestFitDecreasing},
    {"naive", Method::kNaive, Packer::kBestFitDecreasing},
};

// The options LongAlign trains with: 64k packs, 8 GPUs, batches of 8 for naive and sort.
PlanOptions options(const Kind& k) {
  PlanOptions o;
  o.method = k.method;
  o.packer = k.packer;
  o.max_tokens = 65536;
  o.batch_size = 8;
  o.world_size = 8;
  o.grad_accum = 1;
  o.seed = 1;
  return o;
}

// The LongAlign-like mix with the same 8:1 proportion of short to long, n sequences in all.
std::vector<Sample> scaled_mix(uint64_t n) {
  LengthMix mix;
  mix.long_count = n / 9;
  mix.short_count = n - mix.long_count;
  return synthetic_lengths(mix, 1);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t sequences = 1000000;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--sequences") {
      sequences = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (flag == "--runs") {
      runs = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: plan_bench [--sequences N] [--runs R]\n");
      return 2;
    }
  }
  const auto big = scaled_mix(sequences);
  std::printf("planning %llu sequences (best of %d runs, one epoch, 8 ranks)\n",
              static_cast<unsigned long long>(big.size()), runs);
  std::printf("%-14s %10s %14s\n", "method", "seconds", "micro-batches");
  for (const Kind& k : kKinds) {
    double best = 1e30;
    size_t micro_batches = 0;
    for (int r = 0; r < runs; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const Plan plan = make_plan(big, options(k));
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      best = std::min(best, took.count());
      micro_batches = 0;
      for (const Step& s : plan.steps) micro_batches += s.k;
    }
    std::printf("%-14s %10.3f %14zu\n", k.label, best, micro_batches);
  }

  const auto mix = synthetic_lengths(LengthMix{}, 1);
  std::printf("\nLongAlign-like mix: %zu sequences, max-tokens 65536, batch size 8\n", mix.size());
  std::printf("%-14s %12s %10s %11s %18s %11s %14s %9s\n", "method", "micro-batches", "seq/mb",
              "efficiency", "seq/step min-med-max", "seq/step cv", "long share", "long cv");
  for (const Kind& k : kKinds) {
    const PlanStats s = plan_stats(make_plan(mix, options(k)), mix, std::nullopt);
    const StepMix& m = s.mix;
    std::printf("%-14s %12llu %10.2f %10.2f%% %8llu-%llu-%llu %11.3f %6.1f-%5.1f%% %9.3f\n",
                k.label, static_cast<unsigned long long>(s.micro_batches),
                s.sequences_per_micro_batch, 100 * s.efficiency,
                static_cast<unsigned long long>(m.min_sequences),
                static_cast<unsigned long long>(m.median_sequences),
                static_cast<unsigned long long>(m.max_sequences), m.sequences_cv,
                100 * m.long_share_min, 100 * m.long_share_max, m.long_share_cv);
  }
  return 0;
}
