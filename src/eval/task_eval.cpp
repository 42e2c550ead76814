#include "eval/task_eval.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <optional>

#include "core/error.h"
#include "core/file_io.h"
#include "core/parallel.h"
#include "data/chat_record.h"
#include "eval/results_log.h"

namespace longalign::eval {

namespace fs = std::filesystem;

namespace {

struct TaskRecord {
  std::string prompt;  // the user message to answer
  std::string task, answer;
  int64_t length = 0;
};

TaskRecord task_record(std::string_view line, const std::string& where) {
  data::ChatRecord chat = data::parse_chat_record(line, where);
  TaskRecord r;
  r.task = json_string(chat.source, "task", where);
  r.answer = json_string(chat.source, "answer", where);
  if (const auto it = chat.source.find("length"); it != chat.source.end()) {
    if (!it->is_number_integer()) throw Error(where + ": length: expected an integer");
    r.length = it->get<int64_t>();
  }
  // The record's own answer, when it carries one, is what the model must produce.
  while (!chat.messages.empty() && chat.messages.back().role == data::Role::assistant) {
    chat.messages.pop_back();
  }
  // Answer sources take one user message, which is what synthetic task records hold.
  if (chat.messages.size() != 1 || chat.messages[0].role != data::Role::user) {
    throw Error(where + ": expected one user message (and optionally its answer)");
  }
  r.prompt = std::move(chat.messages[0].content);
  return r;
}

std::vector<TaskRecord> read_task_records(const fs::path& file) {
  const std::string text = read_file(file);
  std::vector<TaskRecord> records;
  size_t line = 0;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view row = std::string_view(text).substr(start, end - start);
    start = end + 1;
    ++line;
    if (row.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    records.push_back(task_record(row, file.string() + ":" + std::to_string(line)));
  }
  if (records.empty()) throw Error(file.string() + ": no records");
  return records;
}

// The earlier verdict of each record, by its index in the data.
std::vector<std::optional<bool>> previous_verdicts(const ResultsLog& log,
                                                   const std::vector<TaskRecord>& records,
                                                   const fs::path& where) {
  std::vector<std::optional<bool>> verdicts(records.size());
  for (const Json& r : log.previous()) {
    const int64_t index =
        r.contains("index") && r["index"].is_number_integer() ? r["index"].get<int64_t>() : -1;
    if (index < 0 || static_cast<size_t>(index) >= records.size() ||
        r.value("answer", std::string()) != records[size_t(index)].answer ||
        !r.contains("correct") || !r["correct"].is_boolean()) {
      throw Error(where.string() + " does not match the records of this data file; write to " +
                  "another folder");
    }
    verdicts[size_t(index)] = r["correct"].get<bool>();
  }
  return verdicts;
}

}  // namespace

TaskEvalReport run_task_eval(const TaskEvalOptions& o, AnswerSource& source) {
  if (o.concurrency < 1) throw UsageError("--concurrency must be at least 1");
  const std::vector<TaskRecord> records = read_task_records(o.data);
  fs::create_directories(o.output);
  const fs::path results = o.output / "results.jsonl";
  ResultsLog log(results);
  std::vector<std::optional<bool>> verdicts = previous_verdicts(log, records, results);
  TaskEvalReport report;
  std::vector<size_t> todo;
  for (size_t i = 0; i < records.size(); ++i) {
    if (verdicts[i]) {
      ++report.reused;
    } else {
      todo.push_back(i);
    }
  }
  std::mutex mutex;
  parallel_for(todo.size(), o.concurrency, 1, [&](size_t, size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      const TaskRecord& r = records[todo[k]];
      const Answer reply = source.answer(r.prompt);
      const bool correct = answer_matches(reply.text, r.answer, o.match);
      log.append({{"index", todo[k]},
                  {"task", r.task},
                  {"length", r.length},
                  {"answer", r.answer},
                  {"reply", reply.text},
                  {"correct", correct}});
      std::lock_guard lock(mutex);
      verdicts[todo[k]] = correct;
      ++report.computed;
      std::fprintf(stderr, "tasks %zu/%zu: %s %ld: %s\n", report.computed, todo.size(),
                   r.task.c_str(), long(r.length), correct ? "right" : "wrong");
    }
  });
  std::vector<train::ScoredAnswer> answers;
  for (size_t i = 0; i < records.size(); ++i) {
    answers.push_back({records[i].task, records[i].length, *verdicts[i]});
  }
  report.table = train::tabulate_accuracy(answers);
  write_file_atomic(o.output / "accuracy.json", task_eval_json(o, report).dump(2) + "\n");
  write_file_atomic(o.output / "accuracy.txt", train::accuracy_table_text(report.table));
  return report;
}

Json task_eval_json(const TaskEvalOptions& o, const TaskEvalReport& report) {
  return {{"data", o.data.string()},
          {"match", match_mode_name(o.match)},
          {"records", report.table.total.total},
          {"accuracy", train::accuracy_table_json(report.table)}};
}

}  // namespace longalign::eval
