// longalign eval: model evaluation. `eval metrics` scores a predictions file with one of
// LongBench's automatic metrics; `eval longbench-chat` runs LongBench-Chat with an LLM judge
// (docs/EVAL.md).
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/eval_answer_options.h"
#include "cli/eval_commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "eval/longbench_chat.h"
#include "eval/metrics.h"

namespace longalign::cli {
namespace {

struct MetricsArgs {
  std::string predictions, metric, output;
  eval::MetricsOptions options;
  bool json = false;
};

void run_metrics(MetricsArgs a) {
  a.options.metric = eval::metric_from_name(a.metric);
  const eval::MetricsReport report = eval::evaluate_predictions(a.predictions, a.options);
  const std::string text =
      a.json ? eval::metrics_json(report).dump(2) + "\n" : eval::metrics_table(report);
  if (a.output.empty()) {
    std::cout << text;
  } else {
    write_file_atomic(a.output, text);
    std::cerr << "wrote " << a.output << "\n";
  }
}

void add_metrics_command(CLI::App& eval) {
  auto args = std::make_shared<MetricsArgs>();
  std::string names;
  for (const std::string& n : eval::metric_names())
    names.append(names.empty() ? "" : "|").append(n);
  CLI::App* cmd = eval.add_subcommand(
      "metrics", "Score a predictions JSONL with one of LongBench's automatic metrics");
  cmd->add_option("--predictions", args->predictions,
                  "JSONL, one record per sample: prediction, reference answers, optional length")
      ->required();
  cmd->add_option("--metric", args->metric, names)->required();
  cmd->add_option("--field-pred", args->options.fields.pred, "Field of the prediction (pred)");
  cmd->add_option("--field-answers", args->options.fields.answers,
                  "Field of the reference answers, a string or an array (answers)");
  cmd->add_option("--field-length", args->options.fields.length,
                  "Field of the context length; with it, 0-4k/4-8k/8k+ scores too (length)");
  cmd->add_option("--field-classes", args->options.fields.classes,
                  "Field of the class labels, for the classification metric (all_classes)");
  cmd->add_flag("--first-line", args->options.first_line,
                "Score only the first line of each prediction (LongBench's few-shot tasks)");
  cmd->add_flag("--json", args->json, "Print a JSON summary instead of a table");
  cmd->add_option("-o,--output", args->output, "Write the summary here (atomically), not stdout");
  cmd->callback([args] { run_metrics(*args); });
}

struct LongBenchChatArgs {
  std::string data, output, judge, judge_model, judge_key_env = "OPENAI_API_KEY";
  AnswerSourceArgs answers;
  int judge_runs = 2;
};

void run_longbench_chat(const LongBenchChatArgs& a) {
  check_answer_source_args(a.answers, "longbench-chat");
  if (a.answers.settings.max_length < 1) throw UsageError("--max-length must be at least 1");
  const eval::LongBenchChatData data = eval::load_longbench_chat(a.data);
  serve::ClientOptions judge_options;
  judge_options.base_url = a.judge;
  judge_options.model = a.judge_model;
  judge_options.api_key_env = a.judge_key_env;
  judge_options.max_concurrency = a.answers.settings.concurrency;
  serve::OpenAiClient judge(judge_options);
  const std::unique_ptr<eval::AnswerSource> answers = make_answer_source(a.answers);
  eval::LongBenchChatOptions options;
  options.output_dir = a.output;
  options.judge_runs = a.judge_runs;
  options.concurrency = a.answers.settings.concurrency;
  options.judge.seed = a.answers.settings.seed;
  options.log = [](const std::string& line) { std::cerr << line << "\n"; };
  const eval::LongBenchChatSummary summary =
      eval::run_longbench_chat(data, *answers, judge, options);
  std::cout << eval::summary_text(summary);
  if (!summary.complete()) {
    throw Error(std::to_string(summary.questions - summary.answered) + " answers and " +
                std::to_string(summary.missing_judgments) +
                " judgments are missing (errors above); rerun the same command to finish them");
  }
}

void add_longbench_chat_command(CLI::App& eval) {
  auto a = std::make_shared<LongBenchChatArgs>();
  CLI::App* cmd = eval.add_subcommand(
      "longbench-chat", "LongBench-Chat: answer its long questions, rated 1-10 by an LLM judge");
  cmd->add_option("--data", a->data, "Folder with test_cases.json, few_shots.json, prompt_fs.txt")
      ->required();
  cmd->add_option("-o,--output", a->output, "Output folder; a rerun resumes what it holds")
      ->required();
  add_answer_source_options(*cmd, a->answers, /*with_tokenizer=*/true);
  cmd->add_option("--max-length", a->answers.settings.max_length,
                  "Prompt tokens kept at most, cut in the middle; without --tokenizer an "
                  "endpoint's are estimated from characters (64000)");
  cmd->add_option("--seed", a->answers.settings.seed,
                  "Seed of the few-shot orders and the answers (42)");
  cmd->add_option("--judge", a->judge, "The judge's OpenAI-compatible base URL")->required();
  cmd->add_option("--judge-model", a->judge_model, "The judge model, e.g. gpt-4")->required();
  cmd->add_option("--judge-key-env", a->judge_key_env,
                  "Environment variable holding the judge's API key (OPENAI_API_KEY)");
  cmd->add_option("--judge-runs", a->judge_runs,
                  "Judgments per answer, few-shot order shuffled in each; scores averaged (2)");
  cmd->callback([a] { run_longbench_chat(*a); });
}

}  // namespace

void add_eval_command(CLI::App& app) {
  CLI::App* eval = app.add_subcommand(
      "eval", "Evaluate models: LongBench-Chat, needle in a haystack, synthetic tasks, metrics");
  eval->require_subcommand(1);
  add_metrics_command(*eval);
  add_longbench_chat_command(*eval);
  add_eval_needle_command(*eval);
  add_eval_tasks_command(*eval);
}

}  // namespace longalign::cli
