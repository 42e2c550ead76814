// longalign eval needle: the needle-in-a-haystack test over a grid of context lengths and depths,
// drawn as a heatmap (docs/EVAL.md). src/eval/needle_eval.h does the work.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/eval_answer_options.h"
#include "cli/eval_commands.h"
#include "core/error.h"
#include "data/chat_template.h"
#include "eval/needle_eval.h"
#include "model/config.h"
#include "text/tokenizer.h"

namespace longalign::cli {
namespace {

struct NeedleArgs {
  AnswerSourceArgs source;
  std::string haystack, lengths, depths = "0..100:11", output, match = "contains";
  std::string needle, question, answer;
  std::string judge, judge_model, judge_key_env = "OPENAI_API_KEY";
};

eval::NeedleText needle_text(const NeedleArgs& a) {
  if (a.needle.empty() && a.question.empty() && a.answer.empty()) {
    return eval::default_needle_text();
  }
  if (a.needle.empty() || a.question.empty() || a.answer.empty()) {
    throw UsageError("--needle, --question and --answer go together");
  }
  return {a.needle, a.question, a.answer};
}

std::unique_ptr<eval::NeedleJudge> make_judge(const NeedleArgs& a) {
  if (a.judge.empty()) return nullptr;
  if (a.judge_model.empty()) throw UsageError("--judge needs --judge-model");
  serve::ClientOptions o;
  o.base_url = a.judge;
  o.model = a.judge_model;
  o.api_key_env = a.judge_key_env;
  o.max_concurrency = a.source.settings.concurrency;
  return std::make_unique<eval::NeedleJudge>(o);
}

void run_needle(NeedleArgs a) {
  check_answer_source_args(a.source, "eval needle");
  if (!a.source.endpoint.empty() && a.source.tokenizer.empty()) {
    throw UsageError(
        "eval needle with --endpoint needs --tokenizer: contexts are sized in the "
        "endpoint model's tokens");
  }
  eval::NeedleOptions o;
  o.haystack_dir = a.haystack;
  o.grid = {eval::parse_length_spec(a.lengths), eval::parse_depth_spec(a.depths)};
  o.text = needle_text(a);
  o.match = eval::parse_match_mode(a.match);
  o.answer_room = a.source.settings.max_new_tokens;
  o.concurrency = static_cast<size_t>(a.source.settings.concurrency);
  o.output = a.output;
  o.model_name = answer_source_name(a.source);
  const int64_t longest = *std::max_element(o.grid.lengths.begin(), o.grid.lengths.end());
  if (!a.source.model.empty()) {
    const int64_t context = model::load_config(a.source.model).max_position;
    if (longest > context) {
      throw UsageError("--lengths reaches " + std::to_string(longest) + " tokens; the model's " +
                       "context is " + std::to_string(context));
    }
  }
  a.source.settings.max_length = kNoPromptCut;
  const text::Tokenizer tokenizer =
      text::Tokenizer::load(a.source.model.empty() ? a.source.tokenizer : a.source.model);
  const eval::PromptMeter meter(tokenizer,
                                a.source.template_name.empty()
                                    ? eval::template_from_tokenizer(tokenizer)
                                    : data::chat_template_from_name(a.source.template_name));
  const std::unique_ptr<eval::NeedleJudge> judge = make_judge(a);
  const std::unique_ptr<eval::AnswerSource> source = make_answer_source(a.source);
  const eval::NeedleReport r = eval::run_needle(o, *source, meter, judge.get());
  const std::optional<double> mean = r.scores.mean();
  std::printf("needle: %zu cells (%zu answered now, %zu from an earlier run), mean score %.3f\n",
              r.reused + r.computed, r.computed, r.reused, mean.value_or(0.0));
  std::cerr << "wrote " << (o.output / "heatmap.svg").string() << ", "
            << (o.output / "grid.json").string() << "\n";
}

}  // namespace

void add_eval_needle_command(CLI::App& eval) {
  auto a = std::make_shared<NeedleArgs>();
  a->source.settings.max_new_tokens = 64;
  CLI::App* cmd = eval.add_subcommand(
      "needle", "Needle in a haystack: a fact hidden at each depth of contexts of each length");
  cmd->add_option("--haystack", a->haystack,
                  "Folder whose *.txt files (in name order) fill the "
                  "context, repeated as needed")
      ->required();
  cmd->add_option("--lengths", a->lengths,
                  "Context lengths in tokens, answer included: A..B:N (N evenly spaced) or a "
                  "comma list; k = 1024, e.g. 1k..64k:10")
      ->required();
  cmd->add_option("--depths", a->depths, "Needle depths in percent, A..B:N or a comma list")
      ->capture_default_str();
  cmd->add_option("--needle", a->needle, "The fact to hide (default: this project's own)");
  cmd->add_option("--question", a->question, "The question about it");
  cmd->add_option("--answer", a->answer, "The expected answer");
  auto* match =
      cmd->add_option("--match", a->match, "Score by string match: contains (default) or exact");
  auto* judge = cmd->add_option("--judge", a->judge,
                                "Score 1-10 with an LLM judge at this OpenAI-compatible base URL");
  judge->excludes(match);
  cmd->add_option("--judge-model", a->judge_model, "The judge model")->needs(judge);
  cmd->add_option("--judge-key-env", a->judge_key_env,
                  "Environment variable holding the judge's API key (OPENAI_API_KEY)")
      ->needs(judge);
  add_answer_source_options(*cmd, a->source, true);
  cmd->add_option("-o,--output", a->output,
                  "Output folder: results.jsonl, grid.json, heatmap.svg; a rerun resumes it")
      ->required();
  cmd->callback([a] { run_needle(*a); });
}

}  // namespace longalign::cli
