#include "train/step_bench.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "core/error.h"
#include "model/parameters.h"
#include "train/adamw.h"

namespace longalign::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A pack of random tokens, every token a target (as in pretraining-style throughput tests).
model::Batch random_pack(const std::vector<int64_t>& seqlens, int64_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint32_t>> ids;
  std::vector<std::vector<uint8_t>> masks;
  for (int64_t n : seqlens) {
    ids.emplace_back(n);
    for (uint32_t& id : ids.back()) id = static_cast<uint32_t>(rng() % vocab);
    masks.emplace_back(n, 1);
  }
  std::vector<model::SequenceView> views;
  for (size_t i = 0; i < ids.size(); ++i) views.push_back({ids[i], masks[i]});
  return model::make_batch(views);
}

}  // namespace

double training_step_flop(const model::ModelConfig& m, const std::vector<int64_t>& seqlens) {
  const double HD = double(m.heads * m.head_dim);
  const double layer_weights = double(m.hidden) * (m.qkv_dim() + HD + 3.0 * m.intermediate);
  double flop = 0;
  for (int64_t n : seqlens) {
    const double pairs = double(n) * double(n + 1) / 2.0;
    flop += 6.0 * double(n) * layer_weights * m.layers;
    flop += 6.0 * double(n - 1) * double(m.vocab) * m.hidden;  // the last token has no target
    flop += 14.0 * m.head_dim * m.heads * pairs * m.layers;
  }
  return flop;
}

StepBenchResult run_step_bench(const model::ModelConfig& config, const StepBenchOptions& o) {
  if (o.seqlens.empty()) throw UsageError("--seqlens needs at least one length");
  for (int64_t n : o.seqlens) {
    if (n < 2) throw UsageError("every sequence length must be at least 2");
  }
  model::Parameters params(config);
  model::init_parameters(params, config, o.seed);
  AdamW adamw(config, params.size(), AdamWOptions{});
  const EngineFactory make = o.make_engine ? o.make_engine : make_cpu_engine;
  const std::unique_ptr<Engine> engine = make(config, params, &adamw);
  engine->upload();
  const model::Batch batch = random_pack(o.seqlens, config.vocab, o.seed + 1);
  model::StepOptions step_options;
  step_options.precision = o.precision;
  step_options.recompute = o.recompute;

  StepBenchResult r;
  r.tokens = batch.size();
  r.parameters = 0;
  for (const model::HfTensor& t : model::hf_tensors(config)) r.parameters += t.numel();
  int64_t targets = 0;
  for (int64_t n : batch.target_counts) targets += n;
  r.step_seconds = 1e30;
  for (int step = 0; step < o.warmup + o.steps; ++step) {
    const auto start = Clock::now();
    engine->zero_grads();
    const double loss = engine->forward_backward(batch, step_options);
    engine->clip_grad_norm(1.0);
    engine->adamw_step(1e-3);
    const double seconds = seconds_since(start);
    if (step == 0) r.first_loss = loss / double(targets);
    if (step >= o.warmup) r.step_seconds = std::min(r.step_seconds, seconds);
    r.last_loss = loss / double(targets);
  }
  r.recomputed = model::recomputes(step_options, r.tokens);
  r.tokens_per_second = double(r.tokens) / r.step_seconds;
  r.model_tflop = training_step_flop(config, o.seqlens) / 1e12;
  r.achieved_tflops = r.model_tflop / r.step_seconds;
  r.ceiling_tflops = engine->matmul_ceiling_tflops(o.precision);
  r.peak_memory_bytes = engine->peak_memory_bytes();
  r.engine = engine->describe();
  return r;
}

}  // namespace longalign::train
