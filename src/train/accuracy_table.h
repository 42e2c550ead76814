// Exact-match accuracy of held-out answers per task and per length: the table a needle test
// reports, one row per task, one column per target length, with totals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"

namespace longalign::train {

struct ScoredAnswer {
  std::string task;
  int64_t length = 0;  // the length bucket: the target length the sample was made for
  bool correct = false;
};

struct AccuracyCell {
  int64_t correct = 0, total = 0;
  double rate() const { return total ? double(correct) / double(total) : 0.0; }
};

struct AccuracyTable {
  std::vector<std::string> tasks;                // rows, in order of first appearance
  std::vector<int64_t> lengths;                  // columns, ascending
  std::vector<std::vector<AccuracyCell>> cells;  // [task][length]; total 0 where none was scored
  std::vector<AccuracyCell> task_totals;         // [task], over every length
  std::vector<AccuracyCell> length_totals;       // [length], over every task
  AccuracyCell total;
};

AccuracyTable tabulate_accuracy(const std::vector<ScoredAnswer>& answers);

// Columns of "correct/total (percent)", "-" for an empty cell, and an "all" row and column.
std::string accuracy_table_text(const AccuracyTable& table);

// {"tasks": {task: {"<length>": {"correct", "total"}, ..., "all": {...}}}, "all": {...}}
Json accuracy_table_json(const AccuracyTable& table);

}  // namespace longalign::train
