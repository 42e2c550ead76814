#include "train/metrics_log.h"

#include <fstream>
#include <string>

#include "core/error.h"
#include "core/file_io.h"

namespace longalign::train {

MetricsLog::MetricsLog(const std::filesystem::path& file, int64_t keep_through_step) {
  std::string kept;
  if (keep_through_step > 0 && std::filesystem::exists(file)) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      // A torn last line (the run was killed while writing it) is dropped with the rest.
      const Json row = Json::parse(line, nullptr, false);
      if (row.is_discarded() || !row.contains("step")) continue;
      if (row["step"].get<int64_t>() <= keep_through_step) kept += line + "\n";
    }
  }
  write_file_atomic(file, kept);
  out_ = std::fopen(file.c_str(), "a");
  if (!out_) throw Error(file.string() + ": cannot open for appending");
}

MetricsLog::~MetricsLog() {
  if (out_) std::fclose(out_);
}

void MetricsLog::write(const Json& row) {
  const std::string line = row.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace longalign::train
