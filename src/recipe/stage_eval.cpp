// The eval stage: exact-match accuracy on the held-out tasks by task and length, scored with
// train::score_store (as `longalign score`) and tabulated with train::tabulate_accuracy; and the
// needle grid, run with eval::run_needle (as `longalign eval needle --model`); and LongBench-Chat,
// run with eval::run_longbench_chat (as `longalign eval longbench-chat --model`).
#include <algorithm>
#include <iostream>
#include <limits>

#include "core/error.h"
#include "core/file_io.h"
#include "data/chat_template.h"
#include "eval/local_answer_source.h"
#include "eval/longbench_chat.h"
#include "eval/needle_eval.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/precision.h"
#include "model/safetensors.h"
#include "recipe/stages.h"
#include "text/tokenizer.h"
#include "train/accuracy_table.h"
#include "train/score.h"

namespace longalign::recipe {

namespace {

// The task and length of each held-out sample, in file order (the store's order).
std::vector<std::pair<std::string, int64_t>> held_out_tasks(const std::filesystem::path& file) {
  std::vector<std::pair<std::string, int64_t>> tasks;
  const std::string text = read_file(file);
  size_t start = 0, line = 1;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1, ++line) {
    const Json j =
        parse_json(text.substr(start, end - start), file.string() + ":" + std::to_string(line));
    tasks.emplace_back(json_string(j, "task", file.string()), j.at("length").get<int64_t>());
  }
  return tasks;
}

void run_task_accuracy(const RunPaths& paths) {
  const model::ModelConfig config = model::load_config(paths.model);
  model::Parameters params(config);
  model::load_parameters(params, config, paths.model);
  const data::StoreReader store(paths.test_store);
  const auto tasks = held_out_tasks(paths.synth_test);
  if (store.size() != tasks.size()) {
    throw Error(paths.test_store.string() + ": holds " + std::to_string(store.size()) +
                " samples, expected the " + std::to_string(tasks.size()) + " held-out tasks");
  }
  const auto engine = train::make_cpu_engine(config, params, nullptr);
  std::vector<train::ScoredAnswer> answers;
  for (const train::SampleScore& s : train::score_store(*engine, store, {})) {
    answers.push_back({tasks[s.index].first, tasks[s.index].second, s.greedy_correct});
  }
  const train::AccuracyTable table = train::tabulate_accuracy(answers);
  write_file_atomic(paths.accuracy_text, train::accuracy_table_text(table));
  write_file_atomic(paths.accuracy, train::accuracy_table_json(table).dump(2) + "\n");
}

// The trained model answers every cell of the grid, with the chat template it was trained with.
void run_needle_grid(const Recipe& recipe, const RunPaths& paths) {
  const NeedleEval& n = *recipe.eval->needle;
  const int64_t context = model::load_config(paths.model).max_position;
  const int64_t longest = *std::max_element(n.grid.lengths.begin(), n.grid.lengths.end());
  if (longest > context) {
    throw Error(recipe.source + ": eval.needle.lengths reaches " + std::to_string(longest) +
                " tokens; the trained model's context is " + std::to_string(context));
  }
  eval::NeedleOptions o;
  o.haystack_dir = n.haystack;
  o.grid = n.grid;
  o.text = n.text;
  o.match = n.match;
  o.answer_room = n.max_new_tokens;
  o.output = paths.needle;
  o.model_name = "the trained model";
  eval::AnswerSettings settings;
  settings.max_length = std::numeric_limits<int32_t>::max();  // the grid sizes every prompt
  settings.max_new_tokens = n.max_new_tokens;
  infer::EngineOptions engine;
  engine.precision = model::parse_precision(recipe.train->dtype);
  eval::LocalAnswerSource source(paths.model, recipe.data->chat_template, engine, settings);
  const text::Tokenizer tokenizer = text::Tokenizer::load(paths.model);
  const eval::PromptMeter meter(tokenizer,
                                data::chat_template_from_name(recipe.data->chat_template));
  try {
    eval::run_needle(o, source, meter, nullptr);
  } catch (const UsageError& e) {  // a length too short for the prompt
    throw Error(recipe.source + ": eval.needle.lengths: " + e.what());
  }
}

// The trained model answers, the recipe's judge rates; a question left unanswered or unjudged
// (the judge unreachable) fails the stage, and the rerun resumes from the records kept.
void run_longbench_chat(const Recipe& recipe, const RunPaths& paths) {
  const LongBenchChatEval& l = *recipe.eval->longbench_chat;
  const eval::LongBenchChatData data = eval::load_longbench_chat(l.data);
  serve::ClientOptions judge_options;
  judge_options.base_url = l.judge;
  judge_options.model = l.judge_model;
  judge_options.api_key_env = l.judge_key_env;
  serve::OpenAiClient judge(judge_options);
  eval::AnswerSettings settings;
  settings.max_length = l.max_length;
  settings.max_new_tokens = l.max_new_tokens;
  settings.seed = recipe.seed;
  infer::EngineOptions engine;
  engine.precision = model::parse_precision(recipe.train->dtype);
  eval::LocalAnswerSource answers(paths.model, recipe.data->chat_template, engine, settings);
  eval::LongBenchChatOptions options;
  options.output_dir = paths.longbench_chat;
  options.judge_runs = l.judge_runs;
  options.judge.seed = recipe.seed;
  options.log = [](const std::string& line) { std::cerr << line << "\n"; };
  const eval::LongBenchChatSummary summary =
      eval::run_longbench_chat(data, answers, judge, options);
  if (!summary.complete()) {
    throw Error("eval.longbench_chat: " + std::to_string(summary.questions - summary.answered) +
                " answers and " + std::to_string(summary.missing_judgments) +
                " judgments are missing (errors above); rerun the recipe to finish them");
  }
}

}  // namespace

void run_eval(const Recipe& recipe, const RunPaths& paths) {
  if (recipe.eval->tasks) run_task_accuracy(paths);
  if (recipe.eval->needle) run_needle_grid(recipe, paths);
  if (recipe.eval->longbench_chat) run_longbench_chat(recipe, paths);
}

}  // namespace longalign::recipe
