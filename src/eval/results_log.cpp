#include "eval/results_log.h"

#include <iostream>

namespace longalign::eval {

namespace {

// The records of `path`, after removing a last line a crash cut short (with a warning).
std::vector<Json> read_previous(const std::filesystem::path& path) {
  RecoveredJsonl recovered = recover_jsonl(path);
  if (recovered.dropped_bytes > 0) {
    std::cerr << "warning: " << path.string() << ": dropped an unfinished last line\n";
  }
  std::vector<Json> records;
  for (RecoveredLine& line : recovered.lines) records.push_back(std::move(line.record));
  return records;
}

}  // namespace

ResultsLog::ResultsLog(const std::filesystem::path& path)
    : previous_(read_previous(path)), out_(path) {}

void ResultsLog::append(const Json& record) {
  out_.append(record);
}

}  // namespace longalign::eval
