// The output of a long-running generator that may be killed at any moment: records appended one
// line at a time, each with a single write, and on resume the file read back with a line cut short
// by the kill removed.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/json.h"

namespace longalign {

struct RecoveredLine {
  size_t number = 0;  // 1-based line number, for messages
  Json record;
};

struct RecoveredJsonl {
  std::vector<RecoveredLine> lines;  // blank lines left out
  // Bytes after the last newline: the start of a line whose write a kill cut short. They have
  // been removed from the file.
  size_t dropped_bytes = 0;
};

// Reads the records of `file` (none when it does not exist), truncating an unterminated last
// line. A complete line that is not a JSON object is someone else's data, not a kill's leftover:
// Error naming the file and line.
RecoveredJsonl recover_jsonl(const std::filesystem::path& file);

// Appends lines to a file from many threads. Each record goes out as one write(2) of the JSON and
// its newline, under a mutex: lines never interleave, and once append returns the line is in the
// kernel's hands, so killing the process loses nothing already appended (a crash of the machine
// may: there is no fsync per line, which would cost a disk flush per sample).
class JsonlAppender {
 public:
  // Opens `file` for appending, creating it when missing. Throws Error naming it.
  explicit JsonlAppender(const std::filesystem::path& file);
  ~JsonlAppender();
  JsonlAppender(const JsonlAppender&) = delete;
  JsonlAppender& operator=(const JsonlAppender&) = delete;

  void append(const Json& record);

 private:
  std::filesystem::path file_;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace longalign
