#include "synth/self_instruct.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>

#include "core/error.h"
#include "core/parallel.h"
#include "core/jsonl_appender.h"
#include "synth/progress_line.h"
#include "synth/question_list.h"
#include "synth/self_instruct_record.h"

namespace longalign::synth {

namespace fs = std::filesystem;

namespace {

// The answer request's seed stream, apart from those of the question-list attempts (0, 1, ...).
constexpr int kAnswerAttempt = -1;

enum class Outcome { kWritten, kTooFewQuestions, kEmptyAnswer };

// What every worker shares.
struct Run {
  const std::vector<Document>& documents;
  serve::OpenAiClient& client;
  const SelfInstructOptions& options;
  JsonlAppender& out;
};

serve::ChatRequest request(std::string prompt, const SelfInstructOptions& o,
                           std::optional<int> max_tokens, int64_t seed) {
  serve::ChatRequest r;
  r.messages = {{"user", std::move(prompt)}};
  r.temperature = o.temperature;
  r.max_tokens = max_tokens;
  r.seed = seed;
  return r;
}

// The first `questions` items of the first reply that has that many, or nullopt when no attempt
// gave enough.
std::optional<std::vector<std::string>> ask_for_questions(const Run& run, const SampleJob& job) {
  const SelfInstructOptions& o = run.options;
  const std::string& text = run.documents[job.document].text;
  const std::string prompt = question_prompt(o.prompts, job.language, job.type, text, o.questions);
  for (int attempt = 0; attempt < o.question_attempts; ++attempt) {
    const int64_t seed = request_seed(job.hash_value, o.plan.seed, job.type, attempt);
    std::vector<std::string> items =
        parse_question_list(run.client.chat(request(prompt, o, o.question_max_tokens, seed)).text);
    if (items.size() >= static_cast<size_t>(o.questions)) {
      items.resize(static_cast<size_t>(o.questions));
      return items;
    }
  }
  return std::nullopt;
}

std::string trimmed(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// One sample, from the question list to the appended record. Throws ClientError when a request
// fails for good.
Outcome make_sample(const Run& run, const SampleJob& job) {
  const SelfInstructOptions& o = run.options;
  const Document& doc = run.documents[job.document];
  auto candidates = ask_for_questions(run, job);
  if (!candidates) return Outcome::kTooFewQuestions;
  SampleContent content;
  content.question =
      (*candidates)[draw_question(job.hash_value, o.plan.seed, job.type, candidates->size())];
  content.candidates = std::move(*candidates);
  const int64_t seed = request_seed(job.hash_value, o.plan.seed, job.type, kAnswerAttempt);
  const std::string prompt = answer_prompt(o.prompts, job.language, doc.text, content.question);
  content.answer = trimmed(run.client.chat(request(prompt, o, o.answer_max_tokens, seed)).text);
  if (content.answer.empty()) return Outcome::kEmptyAnswer;
  content.user = sample_prompt(o.prompts, job.language, doc.text, content.question);
  run.out.append(sample_record(job, doc.source, content));
  return Outcome::kWritten;
}

// The samples already in `output`, added to `tally`. An unterminated last line (a kill during its
// write) is removed from the file, with a warning.
std::set<SampleKey> read_done(const fs::path& output, bool resume, SampleTally& tally,
                              std::ostream& log) {
  std::error_code ec;
  if (!resume) {
    if (fs::exists(output, ec) && fs::file_size(output, ec) > 0) {
      throw UsageError(output.string() +
                       ": already exists; pass --resume to continue it, or remove it");
    }
    return {};
  }
  const RecoveredJsonl existing = recover_jsonl(output);
  if (existing.dropped_bytes > 0) {
    log << "warning: " << output.string() << ": removed an unfinished last line ("
        << existing.dropped_bytes << " bytes) left by an interrupted run\n";
  }
  std::set<SampleKey> done;
  for (const RecoveredLine& line : existing.lines) {
    const RecordSummary s =
        summarize_record(line.record, output.string() + ":" + std::to_string(line.number));
    if (done.insert(s.key).second) tally.add(s.key.second, s.language, s.doc_tokens);
  }
  return done;
}

std::vector<int64_t> measure(const std::vector<Document>& documents, const DocumentLength& length,
                             size_t threads) {
  std::vector<int64_t> lengths(documents.size());
  parallel_for(documents.size(), threads, 1, [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) lengths[i] = length(documents[i].text);
  });
  return lengths;
}

// How the samples of this run ended, counted from every worker.
struct Outcomes {
  std::mutex mutex;
  int64_t written = 0, too_few_questions = 0, empty_answer = 0, failed = 0;
  std::string last_failure;
  std::atomic<bool> stop{false};  // max_failures reached: start no more samples
};

// Makes one sample and counts how it ended; a failed request is reported and counted, not thrown,
// so one bad document does not stop the run. Anything else (a write that fails) stops it.
void run_job(const Run& run, const SampleJob& job, Outcomes& outcomes, SampleTally& tally,
             ProgressLine& progress) {
  const std::string& where = run.documents[job.document].where;
  const SelfInstructOptions& o = run.options;
  std::string note;
  Outcome outcome = Outcome::kWritten;
  try {
    outcome = make_sample(run, job);
  } catch (const serve::ClientError& e) {
    std::lock_guard lock(outcomes.mutex);
    ++outcomes.failed;
    outcomes.last_failure = e.what();
    if (o.max_failures > 0 && outcomes.failed >= o.max_failures) outcomes.stop = true;
    progress.message("failed " + where + " (" + std::string(task_type_name(job.type)) +
                     "): " + e.what());
    return;
  }
  std::lock_guard lock(outcomes.mutex);
  switch (outcome) {
    case Outcome::kWritten:
      ++outcomes.written;
      tally.add(job.type, job.language, job.tokens);
      return;
    case Outcome::kTooFewQuestions:
      ++outcomes.too_few_questions;
      note = "fewer than " + std::to_string(o.questions) + " questions in " +
             std::to_string(o.question_attempts) + " replies";
      break;
    case Outcome::kEmptyAnswer:
      ++outcomes.empty_answer;
      note = "an empty answer";
      break;
  }
  progress.message("skipped " + where + " (" + std::string(task_type_name(job.type)) +
                   "): " + note);
}

void log_plan(const SelfInstructReport& r, std::ostream& log) {
  log << "self-instruct: " << r.documents << " documents (" << r.too_short << " too short, "
      << r.too_long << " too long, " << r.repeated << " repeated); " << r.planned
      << " samples to make, " << r.already_done << " already in the output\n";
}

}  // namespace

SelfInstructReport run_self_instruct(const std::vector<Document>& documents,
                                     const DocumentLength& length, serve::OpenAiClient& client,
                                     const fs::path& output, const SelfInstructOptions& options,
                                     std::ostream& log) {
  if (options.questions < 1) throw UsageError("--questions must be at least 1");
  if (options.question_attempts < 1) throw UsageError("--attempts must be at least 1");
  SelfInstructReport report;
  const std::set<SampleKey> done = read_done(output, options.resume, report.output, log);
  const SelfInstructPlan plan = plan_samples(
      documents, measure(documents, length, options.measure_threads), options.plan, done);
  report.documents = static_cast<int64_t>(documents.size());
  report.too_short = plan.too_short;
  report.too_long = plan.too_long;
  report.repeated = plan.repeated;
  report.already_done = plan.already_done;
  report.planned = static_cast<int64_t>(plan.jobs.size());
  log_plan(report, log);

  JsonlAppender out(output);
  const Run run{documents, client, options, out};
  ProgressLine progress(log, "self-instruct", report.planned, options.terminal,
                        options.progress_interval);
  Outcomes outcomes;
  const auto counts = [&] {
    const serve::TokenUsage u = client.usage();
    std::lock_guard lock(outcomes.mutex);
    return ProgressCounts{outcomes.written, outcomes.failed,
                          outcomes.too_few_questions + outcomes.empty_answer,
                          u.prompt_tokens + u.completion_tokens};
  };
  parallel_for(plan.jobs.size(), static_cast<size_t>(std::max(1, options.workers)), 1,
               [&](size_t, size_t begin, size_t end) {
                 for (size_t i = begin; i < end && !outcomes.stop; ++i) {
                   run_job(run, plan.jobs[i], outcomes, report.output, progress);
                   progress.update(counts());
                 }
               });
  progress.finish(counts());

  report.written = outcomes.written;
  report.too_few_questions = outcomes.too_few_questions;
  report.empty_answer = outcomes.empty_answer;
  report.failed = outcomes.failed;
  if (outcomes.stop) {
    report.stopped = std::to_string(outcomes.failed) +
                     " samples failed (the last: " + outcomes.last_failure +
                     "); --resume continues the run";
  }
  const serve::TokenUsage usage = client.usage();
  report.prompt_tokens = usage.prompt_tokens;
  report.completion_tokens = usage.completion_tokens;
  return report;
}

}  // namespace longalign::synth
