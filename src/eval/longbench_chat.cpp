#include "eval/longbench_chat.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "eval/results_log.h"

namespace longalign::eval {
namespace {

class Run {
 public:
  Run(const LongBenchChatData& data, AnswerSource& answers, serve::OpenAiClient& judge,
      const LongBenchChatOptions& options)
      : data_(data),
        answers_(answers),
        judge_(judge),
        options_(options),
        predictions_log_(options.output_dir / "predictions.jsonl"),
        judgments_log_(options.output_dir / "judgments.jsonl") {
    read_existing();
  }

  // Worker threads take questions in the file's order until none are left or one hit a bug.
  void work() {
    for (size_t i = next_++; i < data_.cases.size() && !failed_; i = next_++) {
      const ChatCase& c = data_.cases[i];
      try {
        do_question(c);
      } catch (const Error& e) {
        log("idx " + std::to_string(c.idx) + ": " + e.what() + " (left for a rerun)");
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
        failed_ = true;
      }
    }
  }

  LongBenchChatSummary finish() {
    if (failure_) std::rethrow_exception(failure_);
    const LongBenchChatSummary s =
        summarize_longbench_chat(data_.cases, predictions_, judgments_, options_.judge_runs);
    write_file_atomic(options_.output_dir / "summary.json", summary_json(s).dump(2) + "\n");
    write_file_atomic(options_.output_dir / "summary.txt", summary_text(s));
    return s;
  }

 private:
  // The first record of each idx (and run) counts; a query that differs from the benchmark's
  // means the folder holds another dataset's answers, which must not be mixed in.
  void read_existing() {
    std::map<int64_t, const std::string*> queries;
    for (const ChatCase& c : data_.cases) queries[c.idx] = &c.query;
    const std::vector<Json>& predictions = predictions_log_.previous();
    for (size_t i = 0; i < predictions.size(); ++i) {
      const std::string where = record_where("predictions.jsonl", i);
      ChatPrediction p = prediction_from_json(predictions[i], where);
      const auto q = queries.find(p.idx);
      if (q != queries.end() && *q->second != p.query) {
        throw Error(where + ": field \"query\": idx " + std::to_string(p.idx) +
                    " was asked another question; this folder holds another dataset's answers");
      }
      predictions_.emplace(p.idx, std::move(p));
    }
    const std::vector<Json>& judgments = judgments_log_.previous();
    for (size_t i = 0; i < judgments.size(); ++i) {
      ChatJudgment j = judgment_from_json(judgments[i], record_where("judgments.jsonl", i));
      judgments_.emplace(JudgmentKey{j.idx, j.run}, std::move(j));
    }
  }

  std::string record_where(const char* file, size_t index) const {
    return (options_.output_dir / file).string() + ": record " + std::to_string(index + 1);
  }

  void do_question(const ChatCase& c) {
    const std::string prediction = prediction_for(c);
    for (int run = 0; run < options_.judge_runs; ++run) {
      {
        std::lock_guard lock(mutex_);
        if (judgments_.count({c.idx, run})) continue;
      }
      const ChatJudgment j =
          judge_answer(judge_, data_.judge_template, c, prediction, run, options_.judge);
      judgments_log_.append(judgment_json(j));
      {
        std::lock_guard lock(mutex_);
        judgments_.emplace(JudgmentKey{c.idx, run}, j);
      }
      log("idx " + std::to_string(c.idx) + " run " + std::to_string(run) + ": " +
          (j.score ? "score " + Json(*j.score).dump()
                   : "no rating in " + std::to_string(j.attempts) + " replies (failed)"));
    }
  }

  // The recorded answer, or a new one, recorded.
  std::string prediction_for(const ChatCase& c) {
    {
      std::lock_guard lock(mutex_);
      if (const auto it = predictions_.find(c.idx); it != predictions_.end()) {
        return it->second.prediction;
      }
    }
    const Answer a = answers_.answer(c.prompt);
    const ChatPrediction p{c.idx,      c.query, a.text, a.prompt_tokens, a.completion_tokens,
                           a.truncated};
    predictions_log_.append(prediction_json(p));
    size_t answered = 0;
    {
      std::lock_guard lock(mutex_);
      predictions_.emplace(c.idx, p);
      answered = predictions_.size();
    }
    log("idx " + std::to_string(c.idx) + " answered (" + std::to_string(answered) + "/" +
        std::to_string(data_.cases.size()) + "): " + std::to_string(a.prompt_tokens) +
        " prompt tokens" + (a.truncated ? ", truncated" : "") + ", " +
        std::to_string(a.completion_tokens) + " generated");
    return p.prediction;
  }

  void log(const std::string& line) {
    if (!options_.log) return;
    std::lock_guard lock(log_mutex_);
    options_.log(line);
  }

  const LongBenchChatData& data_;
  AnswerSource& answers_;
  serve::OpenAiClient& judge_;
  const LongBenchChatOptions& options_;
  ResultsLog predictions_log_, judgments_log_;
  std::mutex mutex_, log_mutex_;
  std::map<int64_t, ChatPrediction> predictions_;
  std::map<JudgmentKey, ChatJudgment> judgments_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::exception_ptr failure_;
};

}  // namespace

LongBenchChatSummary run_longbench_chat(const LongBenchChatData& data, AnswerSource& answers,
                                        serve::OpenAiClient& judge,
                                        const LongBenchChatOptions& options) {
  if (options.judge_runs < 1) throw UsageError("judge runs must be at least 1");
  if (options.concurrency < 1) throw UsageError("concurrency must be at least 1");
  if (options.judge.attempts < 1) throw UsageError("judge attempts must be at least 1");
  std::filesystem::create_directories(options.output_dir);
  Run run(data, answers, judge, options);
  std::vector<std::thread> workers;
  const size_t threads = std::min(static_cast<size_t>(options.concurrency), data.cases.size());
  for (size_t t = 0; t < threads; ++t) workers.emplace_back([&run] { run.work(); });
  for (std::thread& w : workers) w.join();
  return run.finish();
}

}  // namespace longalign::eval
