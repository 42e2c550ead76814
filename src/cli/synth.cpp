// longalign synth: long instruction data. `synth self-instruct` asks a model for questions about
// long documents and for their answers, LongAlign's way of making long SFT data; `synth tasks`
// writes offline synthetic tasks (passkey, kv, multi-needle, vartrack) as chat JSONL whose answers
// can be checked by string match; `synth chats` writes short chat-like samples, the short part of
// a LongAlign-like mix.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "serve/openai_client.h"
#include "synth/documents.h"
#include "synth/filler.h"
#include "synth/self_instruct.h"
#include "synth/short_chat.h"
#include "synth/tasks.h"

namespace longalign::cli {

namespace {

struct TasksArgs {
  std::string task, tokenizer, lengths, haystack, output;
  size_t count = 1, threads = 0;
  uint64_t seed = 0;
  bool all_needles = false;
};

void run_tasks(const TasksArgs& a) {
  synth::TaskOptions o;
  o.task = synth::parse_task(a.task);
  o.lengths = synth::parse_lengths(a.lengths);
  if (a.count == 0) throw UsageError("--count must be at least 1");
  o.count = a.count;
  o.seed = a.seed;
  o.threads = a.threads;
  if (a.all_needles && o.task != synth::TaskKind::kMultiNeedle) {
    throw UsageError("--all-needles applies to --task multi-needle only");
  }
  o.all_needles = a.all_needles;
  const auto tok = text::Tokenizer::load(a.tokenizer);
  if (!a.haystack.empty()) o.haystack = synth::read_haystack(a.haystack);
  const auto samples = synth::generate_tasks(tok, o);
  std::string out;
  for (const auto& s : samples) out += synth::sample_to_json(s).dump() + '\n';
  write_file_atomic(a.output, out);
  std::cerr << "wrote " << samples.size() << " " << a.task << " samples to " << a.output << "\n";
}

struct ChatsArgs {
  size_t count = 0;
  uint64_t seed = 0;
  std::vector<std::string> kinds;
  std::string output;
};

void run_chats(const ChatsArgs& a) {
  std::vector<synth::ChatKind> rotation;
  for (const auto& name : a.kinds) rotation.push_back(synth::parse_chat_kind(name));
  if (rotation.empty()) rotation = synth::all_chat_kinds();
  std::string out;
  for (const auto& c : synth::generate_short_chats(a.count, a.seed, rotation)) {
    out += synth::chat_sample_to_json(c).dump() + '\n';
  }
  write_file_atomic(a.output, out);
  std::cerr << "wrote " << a.count << " short chats to " << a.output << "\n";
}

void add_chats_command(CLI::App& synth) {
  auto args = std::make_shared<ChatsArgs>();
  CLI::App* chats = synth.add_subcommand(
      "chats", "Short chat-like samples with exact answers (arithmetic, copy, reverse, ...)");
  chats->add_option("--count", args->count, "Samples")->required()->check(CLI::PositiveNumber);
  chats->add_option("--seed", args->seed, "Random seed (default 0)");
  chats
      ->add_option("--kinds", args->kinds,
                   "Kinds in turn, comma-separated; a kind listed twice comes twice as often "
                   "(default: arithmetic,copy,reverse,uppercase,recall)")
      ->delimiter(',');
  chats->add_option("-o,--output", args->output, "Output chat JSONL file")->required();
  chats->callback([args] { run_chats(*args); });
}

struct SelfInstructArgs {
  std::string docs, endpoint, model, tokenizer, prompts, output, report;
  std::string api_key_env = "OPENAI_API_KEY";
  std::vector<std::string> types;
  int64_t min_tokens = 8000, max_tokens = 64000, upsample_above = 0, max_failures = 10;
  int questions = 5, attempts = 3, concurrency = 8, retries = 5;
  int question_tokens = 1024, answer_tokens = 2048;
  double temperature = -1, timeout = 600;
  uint64_t seed = 0;
  bool resume = false;
};

std::vector<synth::TaskType> task_types(const std::vector<std::string>& names) {
  std::vector<synth::TaskType> types;
  for (const std::string& name : names) {
    const synth::TaskType t = synth::parse_task_type(name);
    if (std::find(types.begin(), types.end(), t) != types.end()) {
      throw UsageError("--types lists \"" + name + "\" twice");
    }
    types.push_back(t);
  }
  if (types.empty()) {
    types = {synth::TaskType::kGeneral, synth::TaskType::kSummary, synth::TaskType::kReasoning,
             synth::TaskType::kExtraction};
  }
  return types;
}

// 0 leaves the limit to the server.
std::optional<int> token_limit(int tokens) {
  return tokens > 0 ? std::optional<int>(tokens) : std::nullopt;
}

synth::SelfInstructOptions self_instruct_options(const SelfInstructArgs& a) {
  if (a.min_tokens > a.max_tokens) throw UsageError("--min-tokens is above --max-tokens");
  synth::SelfInstructOptions o;
  o.plan.types = task_types(a.types);
  o.plan.min_tokens = a.min_tokens;
  o.plan.max_tokens = a.max_tokens;
  o.plan.upsample_above = a.upsample_above;
  o.plan.seed = a.seed;
  if (!a.prompts.empty()) o.prompts = synth::load_prompts(a.prompts);
  o.questions = a.questions;
  o.question_attempts = a.attempts;
  if (a.temperature >= 0) o.temperature = a.temperature;
  o.question_max_tokens = token_limit(a.question_tokens);
  o.answer_max_tokens = token_limit(a.answer_tokens);
  o.workers = a.concurrency;
  o.max_failures = a.max_failures;
  o.resume = a.resume;
  o.terminal = isatty(STDERR_FILENO) != 0;
  return o;
}

serve::ClientOptions client_options(const SelfInstructArgs& a) {
  serve::ClientOptions c;
  c.base_url = a.endpoint;
  c.model = a.model;
  c.api_key_env = a.api_key_env;
  c.max_concurrency = a.concurrency;
  c.retry.max_retries = a.retries;
  c.total_timeout = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1000));
  return c;
}

void run_self_instruct(const SelfInstructArgs& a) {
  const synth::SelfInstructOptions o = self_instruct_options(a);
  serve::OpenAiClient client(client_options(a));
  std::optional<text::Tokenizer> tokenizer;
  if (!a.tokenizer.empty()) tokenizer = text::Tokenizer::load(a.tokenizer);
  const auto documents = synth::read_documents(a.docs);
  const synth::SelfInstructReport report = synth::run_self_instruct(
      documents, synth::DocumentLength(std::move(tokenizer)), client, a.output, o, std::cerr);
  if (!a.report.empty()) write_file_atomic(a.report, synth::report_json(report).dump(2) + "\n");
  std::cout << synth::report_text(report);
  if (!report.stopped.empty()) throw Error("self-instruct stopped: " + report.stopped);
}

void add_self_instruct_command(CLI::App& synth) {
  auto a = std::make_shared<SelfInstructArgs>();
  CLI::App* cmd = synth.add_subcommand(
      "self-instruct",
      "Questions about long documents and their answers, asked of a model (LongAlign's data)");
  cmd->add_option("--docs", a->docs,
                  "Folder of .txt files, or JSONL with \"text\" (and "
                  "\"source\") fields")
      ->required();
  cmd->add_option("--endpoint", a->endpoint,
                  "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
      ->required();
  cmd->add_option("--model", a->model, "Model name sent with each request")->required();
  cmd->add_option("--api-key-env", a->api_key_env,
                  "Environment variable holding the API key (default OPENAI_API_KEY)");
  cmd->add_option("--tokenizer", a->tokenizer,
                  "Target model's tokenizer: document lengths in its tokens (default: "
                  "characters / 4)");
  cmd->add_option("--min-tokens", a->min_tokens, "Shorter documents are skipped (default 8000)");
  cmd->add_option("--max-tokens", a->max_tokens, "Longer documents are skipped (default 64000)");
  cmd->add_option("--types", a->types,
                  "Task types drawn from, comma-separated (default "
                  "general,summary,reasoning,extraction)")
      ->delimiter(',');
  cmd->add_option("--questions", a->questions, "Questions asked for per document (default 5)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--attempts", a->attempts,
                  "Requests for a list before a document with too few questions is skipped "
                  "(default 3)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--prompts", a->prompts, "JSON file of templates replacing the built-in ones");
  cmd->add_option("--upsample-above", a->upsample_above,
                  "Documents longer than this get a second sample of another type (default 0: "
                  "none)");
  cmd->add_option("--concurrency", a->concurrency, "Requests in flight (default 8)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->seed, "Seed of the task type and question draws (default 0)");
  cmd->add_flag("--resume", a->resume, "Continue an existing output, making only what it lacks");
  cmd->add_option("--temperature", a->temperature, "Sampling temperature (default: the server's)");
  cmd->add_option("--question-tokens", a->question_tokens,
                  "Most tokens of a question list (default 1024; 0: the server's limit)");
  cmd->add_option("--answer-tokens", a->answer_tokens,
                  "Most tokens of an answer (default 2048; 0: the server's limit)");
  cmd->add_option("--retries", a->retries, "Retries of a failed request (default 5)");
  cmd->add_option("--timeout", a->timeout, "Seconds one attempt may take (default 600)");
  cmd->add_option("--max-failures", a->max_failures,
                  "Stop after this many failed samples (default 10; 0: never)");
  cmd->add_option("--report", a->report, "Also write the report as JSON to this file");
  cmd->add_option("-o,--output", a->output, "Output chat JSONL, appended to as samples finish")
      ->required();
  cmd->callback([a] { run_self_instruct(*a); });
}

}  // namespace

void add_synth_command(CLI::App& app) {
  CLI::App* synth = app.add_subcommand("synth", "Long instruction data");
  synth->require_subcommand(1);

  auto args = std::make_shared<TasksArgs>();
  CLI::App* tasks = synth->add_subcommand(
      "tasks", "Offline synthetic tasks (needles in filler text) as chat JSONL");
  tasks->add_option("--task", args->task, "passkey, kv, multi-needle or vartrack")->required();
  tasks
      ->add_option("--tokenizer", args->tokenizer,
                   "Model folder, tokenizer.json or SentencePiece .model; lengths are measured "
                   "in its tokens")
      ->required();
  tasks
      ->add_option("--lengths", args->lengths,
                   "Target lengths of the user message in tokens, comma-separated (1k = 1024)")
      ->required();
  tasks->add_option("--count", args->count, "Samples per length (default 1)");
  tasks->add_option("--seed", args->seed, "Random seed (default 0)");
  tasks->add_option("--haystack", args->haystack,
                    "Folder of .txt files used as filler, in name order (default: built-in "
                    "grammar)");
  tasks->add_flag("--all-needles", args->all_needles,
                  "multi-needle: ask for all the numbers, not one of them");
  tasks->add_option("--threads", args->threads, "Worker threads (0 = all cores)");
  tasks->add_option("-o,--output", args->output, "Output chat JSONL file")->required();
  tasks->callback([args] { run_tasks(*args); });
  add_chats_command(*synth);
  add_self_instruct_command(*synth);
}

}  // namespace longalign::cli
