// A recipe: the whole LongAlign run in one TOML file, one optional table per stage (synth, data,
// plan, train, eval). parse_recipe checks every key, type and file before anything runs and names
// the line of what is wrong. docs/RECIPE.md describes the keys.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "data/plan.h"
#include "data/prepare.h"
#include "eval/answer_match.h"
#include "eval/needle_case.h"
#include "eval/needle_grid.h"
#include "synth/self_instruct_prompts.h"
#include "synth/short_chat.h"
#include "synth/tasks.h"

namespace longalign::recipe {

struct TaskSpec {
  synth::TaskKind task = synth::TaskKind::kPasskey;
  size_t count = 0;  // training samples at the shortest length
};

// `longalign synth self-instruct` over a documents folder through an OpenAI-compatible endpoint:
// SYNTH/self_instruct.jsonl, which joins the data stage's inputs.
struct SelfInstruct {
  std::filesystem::path docs;  // a folder of .txt files, or JSONL with "text"
  std::string endpoint, model, api_key_env = "OPENAI_API_KEY";
  std::vector<synth::TaskType> types;  // empty: general, summary, reasoning, extraction
  int64_t min_tokens = 8000, max_tokens = 64000;
  int questions = 5, concurrency = 8;
  double weight = 1.0;  // its mixing weight in the data stage
};

// Offline synthetic long tasks mixed with short chats: SYNTH/train.jsonl and the held-out tasks
// SYNTH/test.jsonl (another seed).
struct SynthStage {
  std::vector<TaskSpec> tasks;
  std::vector<size_t> lengths;
  bool equal_tokens = true;  // counts fall as 1/length, so each length gets about the same tokens
  size_t held_out = 8;       // held-out samples per task and length
  size_t short_chats = 0;
  std::vector<synth::ChatKind> chat_kinds;
  std::optional<SelfInstruct> self_instruct;
};

// The tokenized training store (and a held-out store: the synth stage's tasks or `held_out`).
struct DataStage {
  std::vector<data::PrepareInput> inputs;  // besides the synth stage's mix
  std::string chat_template = "llama2";
  uint32_t max_length = 0;
  data::Truncation truncation = data::Truncation::right;
  std::filesystem::path held_out;  // chat JSONL; empty: the synth stage's held-out tasks
};

struct PlanStage {
  data::PlanOptions options;
  uint32_t world_size_line = 0;  // of plan.world_size (of [plan] when absent), for messages
};

// A model trained from random weights: the figures of its config.json.
struct ModelInit {
  int64_t layers = 2, hidden = 128, heads = 4, kv_heads = 4, intermediate = 384;
  double rope_theta = 10000;
};

struct TrainStage {
  std::filesystem::path model;    // a Hugging Face folder, or empty with `init`
  std::optional<ModelInit> init;  // written to RUN/init before training
  std::string device = "auto";    // as `longalign train --device`
  std::string dtype = "bf16";
  double lr = 2e-5, warmup_ratio = 0.03, weight_decay = 0;
  std::string schedule = "cosine", loss = "sequence";
  int64_t max_steps = 0, save_every = 0, eval_every = 0, log_every = 10, keep_last = 2;
};

// The needle grid of `longalign eval needle`, answered by the trained model.
struct NeedleEval {
  std::filesystem::path haystack;  // folder of *.txt files
  eval::NeedleGrid grid;
  eval::NeedleText text = eval::default_needle_text();
  eval::MatchMode match = eval::MatchMode::kContains;
  int64_t max_new_tokens = 64;
};

// LongBench-Chat as `longalign eval longbench-chat`: the trained model answers, an LLM judge at
// an OpenAI-compatible endpoint rates each answer judge_runs times.
struct LongBenchChatEval {
  std::filesystem::path data;  // test_cases.json, few_shots.json, prompt_fs.txt
  std::string judge, judge_model, judge_key_env = "OPENAI_API_KEY";
  int judge_runs = 2;
  int64_t max_length = 64000;  // prompt tokens kept at most, cut in the middle
  int64_t max_new_tokens = 1024;
};

struct EvalStage {
  bool tasks = true;  // exact-match accuracy on the held-out tasks, by task and length
  std::optional<NeedleEval> needle;
  std::optional<LongBenchChatEval> longbench_chat;
};

struct Recipe {
  std::string source;  // the file, for messages
  std::string text;    // the TOML as written
  std::filesystem::path tokenizer;
  uint64_t seed = 1;
  size_t threads = 0;
  std::optional<SynthStage> synth;
  std::optional<DataStage> data;
  std::optional<PlanStage> plan;
  std::optional<TrainStage> train;
  std::optional<EvalStage> eval;
  Json settings;  // the whole recipe as JSON, stage tables by name (fingerprints, the report)
};

// The stages in the order they run.
const std::vector<std::string>& stage_names();

Recipe parse_recipe(const std::filesystem::path& file);
// `name` is used in messages; relative paths start from `base_dir`.
Recipe parse_recipe_text(std::string_view text, const std::string& name,
                         const std::filesystem::path& base_dir);

}  // namespace longalign::recipe
