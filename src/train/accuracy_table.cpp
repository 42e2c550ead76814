#include "train/accuracy_table.h"

#include <algorithm>
#include <cstdio>

namespace longalign::train {

namespace {

size_t index_of(const auto& values, const auto& value) {
  return static_cast<size_t>(std::find(values.begin(), values.end(), value) - values.begin());
}

std::string cell_text(const AccuracyCell& cell) {
  if (cell.total == 0) return "-";
  char text[48];
  std::snprintf(text, sizeof text, "%ld/%ld (%.0f%%)", long(cell.correct), long(cell.total),
                100.0 * cell.rate());
  return text;
}

Json cell_json(const AccuracyCell& cell) {
  return {{"correct", cell.correct}, {"total", cell.total}};
}

void add_row(std::string& out, const std::string& name, const std::vector<std::string>& cells) {
  char text[32];
  std::snprintf(text, sizeof text, "%-14s", name.c_str());
  out += text;
  for (const auto& c : cells) {
    std::snprintf(text, sizeof text, "%16s", c.c_str());
    out += text;
  }
  out += "\n";
}

}  // namespace

AccuracyTable tabulate_accuracy(const std::vector<ScoredAnswer>& answers) {
  AccuracyTable t;
  for (const auto& a : answers) {
    if (index_of(t.tasks, a.task) == t.tasks.size()) t.tasks.push_back(a.task);
    if (index_of(t.lengths, a.length) == t.lengths.size()) t.lengths.push_back(a.length);
  }
  std::sort(t.lengths.begin(), t.lengths.end());
  t.cells.assign(t.tasks.size(), std::vector<AccuracyCell>(t.lengths.size()));
  t.task_totals.assign(t.tasks.size(), {});
  t.length_totals.assign(t.lengths.size(), {});
  for (const auto& a : answers) {
    const size_t row = index_of(t.tasks, a.task), column = index_of(t.lengths, a.length);
    for (AccuracyCell* c :
         {&t.cells[row][column], &t.task_totals[row], &t.length_totals[column], &t.total}) {
      c->correct += a.correct;
      ++c->total;
    }
  }
  return t;
}

std::string accuracy_table_text(const AccuracyTable& table) {
  std::string out;
  std::vector<std::string> header;
  for (int64_t length : table.lengths) header.push_back(std::to_string(length));
  header.push_back("all");
  add_row(out, "task \\ tokens", header);
  for (size_t row = 0; row < table.tasks.size(); ++row) {
    std::vector<std::string> cells;
    for (const auto& c : table.cells[row]) cells.push_back(cell_text(c));
    cells.push_back(cell_text(table.task_totals[row]));
    add_row(out, table.tasks[row], cells);
  }
  std::vector<std::string> totals;
  for (const auto& c : table.length_totals) totals.push_back(cell_text(c));
  totals.push_back(cell_text(table.total));
  add_row(out, "all", totals);
  return out;
}

Json accuracy_table_json(const AccuracyTable& table) {
  Json tasks = Json::object();
  for (size_t row = 0; row < table.tasks.size(); ++row) {
    Json by_length = Json::object();
    for (size_t column = 0; column < table.lengths.size(); ++column) {
      if (table.cells[row][column].total == 0) continue;
      by_length[std::to_string(table.lengths[column])] = cell_json(table.cells[row][column]);
    }
    by_length["all"] = cell_json(table.task_totals[row]);
    tasks[table.tasks[row]] = std::move(by_length);
  }
  return {{"tasks", std::move(tasks)}, {"all", cell_json(table.total)}};
}

}  // namespace longalign::train
