// Progress of a long run of requests on standard error: on a terminal one line redrawn in place
// with a bar; otherwise (a log file, CI) a plain line now and then, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

namespace longalign::synth {

struct ProgressCounts {
  int64_t done = 0, failed = 0, skipped = 0;  // finished items, by how they ended
  int64_t tokens = 0;                         // used so far
};

class ProgressLine {
 public:
  // `total` items are expected. Without a terminal a line is printed at most every `interval`.
  ProgressLine(std::ostream& out, std::string label, int64_t total, bool terminal,
               std::chrono::milliseconds interval);

  // Shows `counts` (from any thread). On a terminal the line is redrawn at most ten times a
  // second.
  void update(const ProgressCounts& counts);

  // Prints a message on a line of its own, keeping the bar below it.
  void message(const std::string& line);

  // The final state, on a line that stays.
  void finish(const ProgressCounts& counts);

 private:
  std::string render(const ProgressCounts& counts) const;
  void draw(const ProgressCounts& counts);

  using Clock = std::chrono::steady_clock;
  std::ostream& out_;
  std::string label_;
  int64_t total_;
  bool terminal_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  Clock::time_point start_, last_;
  ProgressCounts shown_;
  bool drawn_ = false;  // a bar is on the terminal's current line
};

}  // namespace longalign::synth
