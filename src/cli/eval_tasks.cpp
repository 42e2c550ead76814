// longalign eval tasks: a model answers a file of synthetic tasks (`longalign synth tasks`), scored
// by string match, with accuracy per task and length (docs/EVAL.md). src/eval/task_eval.h does
// the work.
#include <iostream>
#include <memory>

#include "cli/eval_answer_options.h"
#include "cli/eval_commands.h"
#include "eval/task_eval.h"

namespace longalign::cli {
namespace {

struct TasksArgs {
  AnswerSourceArgs source;
  std::string data, output, match = "contains";
};

void run_tasks(TasksArgs a) {
  check_answer_source_args(a.source, "eval tasks");
  eval::TaskEvalOptions o;
  o.data = a.data;
  o.output = a.output;
  o.match = eval::parse_match_mode(a.match);
  o.concurrency = static_cast<size_t>(a.source.settings.concurrency);
  // A record longer than a local model's context loses its middle (as LongBench cuts); an
  // endpoint says when one does not fit.
  a.source.settings.max_length = kNoPromptCut;
  const std::unique_ptr<eval::AnswerSource> source = make_answer_source(a.source);
  const eval::TaskEvalReport r = eval::run_task_eval(o, *source);
  std::cout << train::accuracy_table_text(r.table);
  std::cerr << r.computed << " answered now, " << r.reused << " from an earlier run; wrote "
            << (o.output / "accuracy.json").string() << "\n";
}

}  // namespace

void add_eval_tasks_command(CLI::App& eval) {
  auto a = std::make_shared<TasksArgs>();
  a->source.settings.max_new_tokens = 64;
  CLI::App* cmd = eval.add_subcommand(
      "tasks", "Synthetic tasks (synth tasks): string-match accuracy per task and length");
  cmd->add_option("--data", a->data,
                  "Task JSONL: one user message, \"task\", \"length\", "
                  "\"answer\" per record")
      ->required();
  cmd->add_option("--match", a->match, "contains (default) or exact");
  add_answer_source_options(*cmd, a->source, false);
  cmd->add_option("-o,--output", a->output,
                  "Output folder: results.jsonl, accuracy.json, accuracy.txt; a rerun resumes it")
      ->required();
  cmd->callback([a] { run_tasks(*a); });
}

}  // namespace longalign::cli
