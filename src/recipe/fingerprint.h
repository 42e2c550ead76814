// What a stage's outputs were made from, and the record of it in RUN_DIR/recipe-state.json: a
// stage is reused only when its fingerprint is the one recorded when it finished.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"

namespace longalign::recipe {

// The settings, the size and hash of every input file (every file under an input folder), and
// the binary's version.
Json stage_fingerprint(const Json& settings, const std::vector<std::filesystem::path>& inputs);

// The first difference between a recorded fingerprint and a new one, in words ("" when equal).
std::string fingerprint_change(const Json& recorded, const Json& current);

// RUN_DIR/recipe-state.json: the fingerprint of each stage that finished.
class RunState {
 public:
  explicit RunState(std::filesystem::path run_dir);
  const Json* finished(const std::string& stage) const;            // null when not recorded
  void record(const std::string& stage, const Json& fingerprint);  // saved at once
  void forget(const std::string& stage);                           // saved at once

 private:
  void save() const;
  std::filesystem::path file_;
  Json stages_ = Json::object();
};

}  // namespace longalign::recipe
