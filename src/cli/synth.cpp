// longalign synth: long instruction data. `synth tasks` writes offline synthetic tasks (passkey,
// kv, multi-needle, vartrack) as chat JSONL whose answers can be checked by string match;
// `synth chats` writes short chat-like samples, the short part of a LongAlign-like mix.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "synth/filler.h"
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
}

}  // namespace longalign::cli
