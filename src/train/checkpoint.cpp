#include "train/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "core/error.h"
#include "core/file_io.h"
#include "data/store.h"
#include "model/safetensors.h"

namespace longalign::train {

namespace fs = std::filesystem;

namespace {

constexpr int kFormat = 1;
constexpr const char* kStateFile = "trainer_state.json";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kCheckpointPrefix = "checkpoint-";
// Unfinished saves: ".checkpoint-<step>.tmp-<pid>" being written, ".checkpoint-<step>.old-<pid>"
// an older checkpoint of the same step moved aside while it is replaced.
constexpr const char* kUnfinishedPrefix = ".checkpoint-";

// The step of a folder named checkpoint-<digits>, or -1 for any other name.
int64_t checkpoint_step(const std::string& name) {
  if (!name.starts_with(kCheckpointPrefix)) return -1;
  const std::string digits = name.substr(std::strlen(kCheckpointPrefix));
  if (digits.empty() || digits.size() > 18) return -1;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  return std::stoll(digits);
}

std::vector<fs::path> unfinished_saves(const fs::path& out_dir) {
  std::vector<fs::path> found;
  for (const fs::directory_entry& entry : fs::directory_iterator(out_dir)) {
    if (entry.is_directory() && entry.path().filename().string().starts_with(kUnfinishedPrefix)) {
      found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Flushes a file's bytes, or a folder's entries, to disk so they survive a power loss.
void sync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
  const bool synced = ::fsync(fd) == 0;
  const std::string why = std::strerror(errno);
  ::close(fd);
  if (!synced) throw Error(path.string() + ": cannot flush: " + why);
}

void sync_folder(const fs::path& dir) {
  sync_path(dir, O_DIRECTORY);
}

// Files copied rather than written through write_file_atomic (the tokenizer's) are not yet
// flushed; flushing every file costs little for those that are.
void sync_files_in(const fs::path& dir) {
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) sync_path(entry.path(), 0);
  }
  sync_folder(dir);
}

void make_folders(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create: " + ec.message());
}

void rename_folder(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw Error(from.string() + ": cannot rename to " + to.string() + ": " + ec.message());
}

// The moments as one file of two flat tensors in the parameter layout. write_safetensors names
// its single file model.safetensors, so it writes into a scratch folder and the file is moved.
void write_optimizer(const fs::path& dir, const AdamW& optimizer) {
  const int64_t size = static_cast<int64_t>(optimizer.first_moment().size());
  const std::vector<model::SafetensorsEntry> entries = {
      {"exp_avg", {size}, optimizer.first_moment().data()},
      {"exp_avg_sq", {size}, optimizer.second_moment().data()}};
  const fs::path scratch = dir / ".optimizer";
  make_folders(scratch);
  model::write_safetensors(scratch, entries, model::TensorDType::f32,
                           std::numeric_limits<int64_t>::max());
  rename_folder(scratch / "model.safetensors", dir / kOptimizerFile);
  fs::remove(scratch);
}

// {name: {"bytes", "fnv1a64"}} for every file in dir.
Json file_records(const fs::path& dir) {
  Json files = Json::object();
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    files[entry.path().filename().string()] = {{"bytes", entry.file_size()},
                                               {"fnv1a64", data::store_file_hash(entry.path())}};
  }
  return files;
}

void remove_folder(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot remove: " + ec.message());
}

// Newer checkpoints belong to a run this one was resumed from before: left in place, a later
// resume would return to them, and keep_last would count them instead of the new ones.
void prune(const fs::path& out_dir, int64_t step, int keep_last) {
  std::vector<fs::path> kept;
  for (const fs::path& dir : list_checkpoints(out_dir)) {
    if (checkpoint_step(dir.filename().string()) > step) {
      remove_folder(dir);
    } else {
      kept.push_back(dir);
    }
  }
  const size_t keep = static_cast<size_t>(std::max(keep_last, 0));
  for (size_t i = 0; keep > 0 && i + keep < kept.size(); ++i) remove_folder(kept[i]);
  for (const fs::path& dir : unfinished_saves(out_dir)) remove_folder(dir);
}

const Json& state_field(const Json& state, const char* key, const fs::path& file) {
  return json_field(state, key, file.string());
}

int64_t state_integer(const Json& state, const char* key, const fs::path& file) {
  const Json& value = state_field(state, key, file);
  if (!value.is_number_integer()) throw Error(file.string() + ": " + key + ": expected an integer");
  return value.get<int64_t>();
}

void check_format(const Json& state, const fs::path& file) {
  const int64_t format = state_integer(state, "format", file);
  if (format != kFormat) {
    throw Error(file.string() + ": format " + std::to_string(format) + ", expected " +
                std::to_string(kFormat));
  }
}

// What is wrong with one listed file, or "" when it is intact.
std::string file_problem(const fs::path& dir, const std::string& name, const Json& record) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return kStateFile + std::string(": bad file name \"") + name + "\"";
  }
  const fs::path file = dir / name;
  if (!fs::is_regular_file(file)) return name + ": missing";
  const fs::path where = dir / kStateFile;
  const int64_t bytes = state_integer(record, "bytes", where);
  const Json& hash = state_field(record, "fnv1a64", where);
  const int64_t actual = static_cast<int64_t>(fs::file_size(file));
  if (actual != bytes) {
    return name + ": " + std::to_string(actual) + " bytes, expected " + std::to_string(bytes);
  }
  if (!hash.is_string() || data::store_file_hash(file) != hash.get<std::string>()) {
    return name + ": checksum mismatch";
  }
  return "";
}

// What is wrong with a checkpoint folder, or "" when every file matches trainer_state.json.
std::string checkpoint_problem(const fs::path& dir) {
  const fs::path state_file = dir / kStateFile;
  if (!fs::is_regular_file(state_file)) return std::string(kStateFile) + ": missing";
  try {
    const Json state = read_json_file(state_file);
    check_format(state, state_file);
    const int64_t step = state_integer(state, "step", state_file);
    if (step != checkpoint_step(dir.filename().string())) {
      return std::string(kStateFile) + ": step " + std::to_string(step) + " in the wrong folder";
    }
    const Json& files = state_field(state, "files", state_file);
    if (!files.is_object()) return std::string(kStateFile) + ": files: expected an object";
    for (const char* name : {"config.json", kOptimizerFile}) {
      if (!files.contains(name)) return std::string(kStateFile) + ": does not list " + name;
    }
    for (const auto& [name, record] : files.items()) {
      const std::string problem = file_problem(dir, name, record);
      if (!problem.empty()) return problem;
    }
  } catch (const std::exception& e) {  // unreadable or malformed: not a checkpoint to resume
    return e.what();
  }
  return "";
}

}  // namespace

fs::path save_checkpoint(const fs::path& out_dir, int64_t step, const CheckpointContents& contents,
                         int keep_last) {
  if (!contents.config || !contents.params || !contents.optimizer) {
    throw Error(out_dir.string() + ": a checkpoint needs the config, parameters and optimizer");
  }
  const int64_t size = contents.params->size();
  if (static_cast<int64_t>(contents.optimizer->first_moment().size()) != size ||
      static_cast<int64_t>(contents.optimizer->second_moment().size()) != size) {
    throw Error(out_dir.string() + ": optimizer moments do not match the parameters' size " +
                std::to_string(size));
  }
  const std::string name = kCheckpointPrefix + std::to_string(step);
  const std::string pid = std::to_string(::getpid());
  const fs::path tmp = out_dir / (std::string(".") + name + ".tmp-" + pid);
  const fs::path aside = out_dir / (std::string(".") + name + ".old-" + pid);
  const fs::path dir = out_dir / name;

  make_folders(out_dir);
  remove_folder(tmp);
  make_folders(tmp);
  try {
    model::save_model(tmp, *contents.config, *contents.params);  // fp32: resume is exact
    write_optimizer(tmp, *contents.optimizer);
    if (!contents.tokenizer_source.empty()) {
      model::copy_tokenizer_files(contents.tokenizer_source, tmp);
    }
    sync_files_in(tmp);
    // Written last, so a trainer_state.json that checks out vouches for every file before it.
    const Json state = {{"format", kFormat},
                        {"step", step},
                        {"optimizer_steps", contents.optimizer->steps()},
                        {"trainer", contents.trainer_state},
                        {"files", file_records(tmp)}};
    write_file_atomic(tmp / kStateFile, state.dump(2) + "\n");
    sync_folder(tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  const bool replacing = fs::exists(dir);
  if (replacing) {
    remove_folder(aside);
    rename_folder(dir, aside);
  }
  rename_folder(tmp, dir);
  sync_folder(out_dir);
  if (replacing) remove_folder(aside);
  prune(out_dir, step, keep_last);
  return dir;
}

std::vector<fs::path> list_checkpoints(const fs::path& out_dir) {
  std::vector<std::pair<int64_t, fs::path>> found;
  if (!fs::is_directory(out_dir)) return {};
  for (const fs::directory_entry& entry : fs::directory_iterator(out_dir)) {
    const int64_t step = checkpoint_step(entry.path().filename().string());
    if (step >= 0 && entry.is_directory()) found.emplace_back(step, entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> dirs;
  for (auto& [step, dir] : found) dirs.push_back(std::move(dir));
  return dirs;
}

std::optional<fs::path> latest_valid_checkpoint(const fs::path& out_dir,
                                                std::vector<std::string>* skipped) {
  if (!fs::is_directory(out_dir)) return std::nullopt;
  std::vector<std::string> problems;
  for (const fs::path& dir : unfinished_saves(out_dir)) {
    problems.push_back(dir.filename().string() + ": an unfinished save, ignored");
  }
  std::optional<fs::path> found;
  const std::vector<fs::path> dirs = list_checkpoints(out_dir);
  for (auto it = dirs.rbegin(); it != dirs.rend() && !found; ++it) {
    const std::string problem = checkpoint_problem(*it);
    if (problem.empty()) {
      found = *it;
    } else {
      problems.push_back(it->filename().string() + ": " + problem);
    }
  }
  if (skipped) skipped->insert(skipped->end(), problems.begin(), problems.end());
  return found;
}

Json load_checkpoint(const fs::path& dir, const model::ModelConfig& config,
                     model::Parameters& params, AdamW& optimizer) {
  const fs::path state_file = dir / kStateFile;
  const Json state = read_json_file(state_file);
  check_format(state, state_file);
  const int64_t optimizer_steps = state_integer(state, "optimizer_steps", state_file);
  // AdamW's bias correction divides by 1 - beta^steps: a negative count gives nonsense moments.
  if (optimizer_steps < 0) {
    throw Error(state_file.string() + ": optimizer_steps: must not be negative, got " +
                std::to_string(optimizer_steps));
  }
  const Json& trainer = state_field(state, "trainer", state_file);

  model::load_parameters(params, config, dir);
  const fs::path optimizer_file = dir / kOptimizerFile;
  const model::SafetensorsReader reader(optimizer_file);
  const std::vector<int64_t> shape = {params.size()};
  for (std::vector<float>* moment : {&optimizer.first_moment(), &optimizer.second_moment()}) {
    if (static_cast<int64_t>(moment->size()) != params.size()) {
      throw Error(optimizer_file.string() + ": the optimizer holds " +
                  std::to_string(moment->size()) + " floats, the parameters " +
                  std::to_string(params.size()));
    }
  }
  reader.read_f32("exp_avg", shape, optimizer.first_moment().data());
  reader.read_f32("exp_avg_sq", shape, optimizer.second_moment().data());
  optimizer.set_steps(optimizer_steps);
  return trainer;
}

}  // namespace longalign::train
