// An evaluation's results.jsonl: one JSON object a line, appended and flushed as each item
// finishes, so an interrupted run keeps what it finished and a rerun skips those items.
#pragma once

#include <filesystem>
#include <vector>

#include "core/json.h"
#include "core/jsonl_appender.h"

namespace longalign::eval {

class ResultsLog {
 public:
  // Reads the records already in `path` (none when it does not exist) and opens it for
  // appending. A last line without its newline, cut short by a crash, is dropped from the file;
  // any other line that is not a JSON object is an Error naming the file and line.
  explicit ResultsLog(const std::filesystem::path& path);

  const std::vector<Json>& previous() const { return previous_; }

  // Appends `record` as one line and flushes it. Safe from several threads.
  void append(const Json& record);

 private:
  std::vector<Json> previous_;
  JsonlAppender out_;
};

}  // namespace longalign::eval
