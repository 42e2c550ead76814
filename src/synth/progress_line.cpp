#include "synth/progress_line.h"

#include <algorithm>
#include <cstdio>

namespace longalign::synth {

namespace {

constexpr int kBarWidth = 24;

}  // namespace

ProgressLine::ProgressLine(std::ostream& out, std::string label, int64_t total, bool terminal,
                           std::chrono::milliseconds interval)
    : out_(out),
      label_(std::move(label)),
      total_(total),
      terminal_(terminal),
      interval_(interval),
      start_(Clock::now()),
      last_(start_) {}

std::string ProgressLine::render(const ProgressCounts& c) const {
  const int64_t finished = c.done + c.failed + c.skipped;
  const double fraction =
      total_ > 0 ? std::clamp(static_cast<double>(finished) / static_cast<double>(total_), 0.0, 1.0)
                 : 1.0;
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  std::string line = label_ + ": ";
  if (terminal_) {
    const int filled = static_cast<int>(fraction * kBarWidth);
    line.append(1, '[').append(filled, '#').append(kBarWidth - filled, '.').append("] ");
  }
  char text[160];
  std::snprintf(text, sizeof text,
                "%lld/%lld (%.0f%%), %lld done, %lld failed, %lld skipped, %lld tokens, %.0f s",
                static_cast<long long>(finished), static_cast<long long>(total_), fraction * 100,
                static_cast<long long>(c.done), static_cast<long long>(c.failed),
                static_cast<long long>(c.skipped), static_cast<long long>(c.tokens), seconds);
  return line + text;
}

void ProgressLine::draw(const ProgressCounts& counts) {
  if (terminal_) {
    // \033[K clears what a longer earlier line left to the right.
    out_ << '\r' << render(counts) << "\033[K" << std::flush;
    drawn_ = true;
  } else {
    out_ << render(counts) << '\n' << std::flush;
  }
  last_ = Clock::now();
}

void ProgressLine::update(const ProgressCounts& counts) {
  std::lock_guard lock(mutex_);
  shown_ = counts;
  const auto wait = terminal_ ? std::chrono::milliseconds(100) : interval_;
  if (Clock::now() - last_ >= wait) draw(counts);
}

void ProgressLine::message(const std::string& line) {
  std::lock_guard lock(mutex_);
  if (drawn_) out_ << "\r\033[K";
  out_ << line << '\n';
  if (drawn_) draw(shown_);
  out_ << std::flush;
}

void ProgressLine::finish(const ProgressCounts& counts) {
  std::lock_guard lock(mutex_);
  shown_ = counts;
  draw(counts);
  if (terminal_) out_ << '\n' << std::flush;
  drawn_ = false;
}

}  // namespace longalign::synth
