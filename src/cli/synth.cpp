// longalign synth: long instruction data. `synth tasks` writes offline synthetic tasks (passkey,
// kv, multi-needle, vartrack) as chat JSONL whose answers can be checked by string match.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "synth/filler.h"
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
}

}  // namespace longalign::cli
