// longalign demo: the LongAlign recipe at small scale, offline, in a few minutes on a CPU (the job
// `make demo` runs). Long synthetic retrieval tasks mixed with short chats in a long-tailed length
// mix; a tokenized store; a packed plan; a small Llama with a raised rope_theta, trained from
// scratch with LongAlign's loss weighting; exact-match accuracy on held-out tasks by length.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "data/plan.h"
#include "data/plan_file.h"
#include "data/prepare.h"
#include "data/store.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "synth/short_chat.h"
#include "synth/tasks.h"
#include "train/accuracy_table.h"
#include "train/loss_plot.h"
#include "train/score.h"
#include "train/trainer.h"

namespace longalign::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct DemoArgs {
  std::string tokenizer, output = "out/demo";
  uint64_t seed = 1;
  uint32_t epochs = 4;
  int64_t steps = 0;  // 0: the whole plan
  double lr = 1e-3;
  size_t threads = 0;
  size_t test_count = 8;  // held-out samples per task and length
  size_t longest = 1024;  // tasks are 256, 512, ... up to this many tokens
};

const synth::TaskKind kTasks[] = {synth::TaskKind::kPasskey, synth::TaskKind::kKv,
                                  synth::TaskKind::kVartrack};
constexpr size_t kShortestTask = 256;
constexpr uint32_t kTemplateTokens = 64;  // room for the chat template around the longest task

// The task lengths: the shortest, doubling up to the longest.
std::vector<size_t> task_lengths(size_t longest) {
  std::vector<size_t> lengths;
  for (size_t n = kShortestTask; n <= longest; n *= 2) lengths.push_back(n);
  return lengths;
}

uint32_t max_tokens(const DemoArgs& a) {
  return uint32_t(a.longest) + kTemplateTokens;
}
constexpr size_t kShortChats = 10000;
// Copying digits and recalling a number are what the passkey builds on: they come most often.
const std::vector<synth::ChatKind> kChatRotation = {
    synth::ChatKind::kCopy,    synth::ChatKind::kRecall,   synth::ChatKind::kCopy,
    synth::ChatKind::kRecall,  synth::ChatKind::kCopy,     synth::ChatKind::kArithmetic,
    synth::ChatKind::kReverse, synth::ChatKind::kUppercase};

// LongAlign's mix scaled down: its long data (8k to 64k tokens) becomes 256 to 1024 tokens (more
// with --longest) and, as in LongAlign-10k, the count falls as the length grows, so each length
// gets about the same tokens; the short chats stand in for ShareGPT's. Passkey, the task a model
// this small can learn in minutes, gets most of the long samples.
size_t train_count(synth::TaskKind kind, size_t length) {
  return (kind == synth::TaskKind::kPasskey ? 512 : 32) * kShortestTask / length;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Writes the training mix and the held-out tasks as chat JSONL; returns the held-out samples in
// file order, which is the order of the store made from them.
std::vector<synth::Sample> write_tasks(const text::Tokenizer& tok, const DemoArgs& a,
                                       const fs::path& train_file, const fs::path& test_file) {
  std::string train, test;
  std::vector<synth::Sample> held_out;
  for (synth::TaskKind kind : kTasks) {
    synth::TaskOptions o;
    o.task = kind;
    o.threads = a.threads;
    for (size_t length : task_lengths(a.longest)) {
      o.lengths = {length};
      o.count = train_count(kind, length);
      o.seed = a.seed;
      for (const auto& s : synth::generate_tasks(tok, o))
        train += synth::sample_to_json(s).dump() + '\n';
      // Another seed: other documents and other answers than any training sample's.
      o.count = a.test_count;
      o.seed = a.seed + 1000003;
      for (auto& s : synth::generate_tasks(tok, o)) {
        test += synth::sample_to_json(s).dump() + '\n';
        held_out.push_back(std::move(s));
      }
    }
  }
  for (const auto& c : synth::generate_short_chats(kShortChats, a.seed, kChatRotation)) {
    train += synth::chat_sample_to_json(c).dump() + '\n';
  }
  write_file_atomic(train_file, train);
  write_file_atomic(test_file, test);
  return held_out;
}

data::PrepareReport prepare(const DemoArgs& a, const fs::path& input, const fs::path& store) {
  data::PrepareOptions o;
  o.tokenizer = a.tokenizer;
  o.chat_template = "llama2";
  o.max_length = max_tokens(a);
  o.truncation = data::Truncation::skip;
  o.inputs = {{input, 1.0}};
  o.seed = a.seed;
  o.threads = a.threads;
  o.output = store;
  return data::prepare_store(o);
}

// A Llama small enough to train from scratch on two cores, with LongAlign's raised rope_theta.
model::ModelConfig demo_model(size_t vocab, uint32_t max_tokens) {
  const Json config = {{"model_type", "llama"},       {"hidden_size", 128},
                       {"num_hidden_layers", 2},      {"num_attention_heads", 4},
                       {"num_key_value_heads", 4},    {"intermediate_size", 384},
                       {"vocab_size", vocab},         {"max_position_embeddings", max_tokens},
                       {"rms_norm_eps", 1e-5},        {"rope_theta", 2000000.0},
                       {"hidden_act", "silu"},        {"initializer_range", 0.02},
                       {"tie_word_embeddings", false}};
  return model::parse_config(config, "the demo model");
}

train::AccuracyTable evaluate(const fs::path& model_dir, const fs::path& test_store,
                              const std::vector<synth::Sample>& held_out) {
  const model::ModelConfig config = model::load_config(model_dir);
  model::Parameters params(config);
  model::load_parameters(params, config, model_dir);
  const data::StoreReader store(test_store);
  if (store.size() != held_out.size()) {
    throw Error(test_store.string() + ": holds " + std::to_string(store.size()) +
                " samples, expected the " + std::to_string(held_out.size()) + " held-out tasks");
  }
  std::vector<train::ScoredAnswer> answers;
  const auto engine = train::make_cpu_engine(config, params, nullptr);
  for (const train::SampleScore& s : train::score_store(*engine, store, {})) {
    const synth::Sample& task = held_out[s.index];
    answers.push_back(
        {std::string(synth::task_name(task.task)), int64_t(task.length), s.greedy_correct});
  }
  return train::tabulate_accuracy(answers);
}

void run_demo(const DemoArgs& a) {
  const auto start = Clock::now();
  if (a.threads > 0) omp_set_num_threads(static_cast<int>(a.threads));
  const fs::path out = a.output, data_dir = out / "data";
  fs::create_directories(data_dir);
  const auto tok = text::Tokenizer::load(a.tokenizer);
  std::printf("tokenizer  %s (%zu tokens)\n", tok.source().c_str(), tok.vocab_size());

  const auto held_out = write_tasks(tok, a, data_dir / "train.jsonl", data_dir / "test.jsonl");
  const auto train_report = prepare(a, data_dir / "train.jsonl", out / "store");
  prepare(a, data_dir / "test.jsonl", out / "test_store");
  std::printf("data       %lu samples, %lu tokens (median %u, p90 %u, max %u); %zu held out\n",
              (unsigned long)train_report.written, (unsigned long)train_report.tokens,
              train_report.p50, train_report.p90, train_report.max, held_out.size());

  data::PlanOptions plan_options;
  plan_options.method = data::Method::kPack;
  plan_options.packer = data::Packer::kBalanced;
  plan_options.max_tokens = max_tokens(a);
  plan_options.seed = a.seed;
  plan_options.epochs = a.epochs;
  const data::Plan plan = data::make_plan(data::StoreReader(out / "store").samples(), plan_options);
  data::save_plan(plan, out / "plan.json");
  std::printf("plan       %zu steps over %u epochs, balanced packs of at most %u tokens\n",
              plan.steps.size(), a.epochs, max_tokens(a));

  const model::ModelConfig config = demo_model(tok.vocab_size(), max_tokens(a));
  model::Parameters params(config);
  model::init_parameters(params, config, a.seed);
  model::save_model(out / "init", config, params);
  model::copy_tokenizer_files(a.tokenizer, out / "init");
  std::printf(
      "model      llama, %ld layers, hidden %ld, %ld heads, rope_theta %.0f, %.1fM "
      "parameters\n",
      long(config.layers), long(config.hidden), long(config.heads), config.rope.theta,
      double(params.size()) / 1e6);
  std::fflush(stdout);

  train::TrainOptions o;
  o.model_dir = out / "init";
  o.data_dir = out / "store";
  o.plan_path = out / "plan.json";
  o.out_dir = out / "run";
  o.lr = a.lr;
  o.max_steps = a.steps;
  o.loss = train::LossMode::sequence;
  o.log_every = 50;
  // A fresh run each time: an earlier demo's checkpoints would otherwise sit beside the new ones.
  fs::remove_all(o.out_dir);
  const auto train_start = Clock::now();
  const train::TrainResult result = train::train(o, std::cerr);
  if (result.interrupted) return;
  const double train_seconds = seconds_since(train_start);

  train::LossPlotOptions plot;
  plot.smooth = 20;
  train::write_loss_plot({o.out_dir / "metrics.jsonl"}, {}, plot, out / "loss.svg");
  const train::AccuracyTable table = evaluate(result.model_dir, out / "test_store", held_out);
  write_file_atomic(out / "accuracy.json", train::accuracy_table_json(table).dump(2) + "\n");

  std::printf("\ntrained %ld steps in %.0f s, last loss %.3f\n", long(result.steps_done),
              train_seconds, result.last_loss);
  std::printf("exact-match accuracy on held-out tasks (greedy answer == expected answer):\n%s",
              train::accuracy_table_text(table).c_str());
  std::printf("\noutputs in %s:\n", out.c_str());
  std::printf("  data/train.jsonl, data/test.jsonl   the mix and the held-out tasks\n");
  std::printf("  store/, test_store/                 tokenized stores (llama2 template)\n");
  std::printf("  plan.json                           the packed plan\n");
  std::printf("  init/, run/model/                   the model before and after training\n");
  std::printf("  run/metrics.jsonl, loss.svg         the training curve\n");
  std::printf("  accuracy.json                       the table above\n");
  std::printf("demo took %.0f s\n", seconds_since(start));
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "LongAlign at small scale: synthesize, prepare, plan, train a small model, score retrieval");
  cmd->add_option("--tokenizer", a->tokenizer, "Model folder or tokenizer.json (Llama-2's)")
      ->required();
  cmd->add_option("-o,--output", a->output, "Output folder")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the data, the plan and the weights")
      ->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "Epochs over the mix")->capture_default_str();
  cmd->add_option("--steps", a->steps, "Stop after this many steps (default: every epoch)");
  cmd->add_option("--lr", a->lr, "Peak learning rate")->capture_default_str();
  cmd->add_option("--test-count", a->test_count, "Held-out samples per task and length")
      ->capture_default_str();
  cmd->add_option("--longest", a->longest, "Longest task in tokens (256, 512, ... up to it)")
      ->capture_default_str();
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->callback([a] {
    if (a->epochs == 0) throw UsageError("--epochs must be at least 1");
    if (a->longest < kShortestTask) throw UsageError("--longest must be at least 256");
    run_demo(*a);
  });
}

}  // namespace longalign::cli
