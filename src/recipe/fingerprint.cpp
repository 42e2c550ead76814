#include "recipe/fingerprint.h"

#include <algorithm>

#include "core/file_io.h"
#include "core/version.h"
#include "data/store.h"

namespace longalign::recipe {

namespace fs = std::filesystem;

namespace {

// The regular files at `path`: itself, or everything under it in name order.
std::vector<fs::path> files_at(const fs::path& path) {
  if (!fs::is_directory(path)) return {path};
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Json stage_fingerprint(const Json& settings, const std::vector<fs::path>& inputs) {
  Json files = Json::object();
  for (const fs::path& input : inputs) {
    if (!fs::exists(input)) {
      files[input.string()] = "missing";
      continue;
    }
    for (const fs::path& file : files_at(input)) {
      files[file.string()] = {{"bytes", fs::file_size(file)},
                              {"hash", data::store_file_hash(file)}};
    }
  }
  return {{"settings", settings}, {"inputs", files}, {"version", kVersion}};
}

std::string fingerprint_change(const Json& recorded, const Json& current) {
  if (recorded.value("version", "") != current.at("version")) return "the binary's version changed";
  if (recorded.value("settings", Json()) != current.at("settings")) return "its settings changed";
  const Json old_inputs = recorded.value("inputs", Json::object());
  for (const auto& [file, figures] : current.at("inputs").items()) {
    if (!old_inputs.contains(file)) return file + " is a new input";
    if (old_inputs.at(file) != figures) return file + " changed";
  }
  for (const auto& [file, figures] : old_inputs.items()) {
    if (!current.at("inputs").contains(file)) return file + " is no longer an input";
  }
  return "";
}

RunState::RunState(fs::path run_dir) : file_(std::move(run_dir) / "recipe-state.json") {
  if (fs::exists(file_)) stages_ = read_json_file(file_).value("stages", Json::object());
}

const Json* RunState::finished(const std::string& stage) const {
  return stages_.contains(stage) ? &stages_.at(stage) : nullptr;
}

void RunState::record(const std::string& stage, const Json& fingerprint) {
  stages_[stage] = fingerprint;
  save();
}

void RunState::forget(const std::string& stage) {
  if (stages_.erase(stage) > 0) save();
}

void RunState::save() const {
  fs::create_directories(file_.parent_path());
  write_file_atomic(file_, Json{{"stages", stages_}}.dump(2) + "\n");
}

}  // namespace longalign::recipe
