// OUT/metrics.jsonl: one JSON object per optimizer step (and per evaluation), appended and flushed
// as training goes, so a killed run keeps every row it finished. Resuming from step S first drops
// the rows after S (the killed run's steps past its last checkpoint), so the file reads as one run.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "core/json.h"

namespace longalign::train {

class MetricsLog {
 public:
  // Opens OUT/metrics.jsonl for appending, keeping only rows with "step" <= keep_through_step
  // (all rows are dropped when it is 0).
  MetricsLog(const std::filesystem::path& file, int64_t keep_through_step);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void write(const Json& row);

 private:
  std::FILE* out_ = nullptr;
};

}  // namespace longalign::train
