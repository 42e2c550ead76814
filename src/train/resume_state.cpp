#include "train/resume_state.h"

#include <charconv>
#include <cmath>

#include "core/error.h"

namespace longalign::train {

namespace {

// The <step> of a folder named checkpoint-<step>, or -1.
int64_t folder_step(const std::filesystem::path& dir) {
  const std::string name = dir.filename().string();
  const std::string prefix = "checkpoint-";
  if (!name.starts_with(prefix)) return -1;
  int64_t step = -1;
  const char* begin = name.data() + prefix.size();
  const char* end = name.data() + name.size();
  const auto [ptr, ec] = std::from_chars(begin, end, step);
  return ec == std::errc() && ptr == end && begin != end ? step : -1;
}

}  // namespace

ResumeState read_resume_state(const Json& trainer, const std::filesystem::path& checkpoint_dir) {
  const std::string where = (checkpoint_dir / "trainer_state.json").string() + ": trainer";
  if (!trainer.is_object()) throw Error(where + ": expected an object");
  ResumeState state;
  const Json& step = json_field(trainer, "step", where);
  if (!step.is_number_integer() || step.get<int64_t>() != folder_step(checkpoint_dir)) {
    throw Error(where + ": step " + step.dump() + " is not the step of the folder " +
                checkpoint_dir.filename().string());
  }
  state.step = step.get<int64_t>();
  state.plan_hash = json_string(trainer, "plan_hash", where);
  if (const auto it = trainer.find("seconds"); it != trainer.end()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
      throw Error(where + ": seconds must be a non-negative number, got " + it->dump());
    }
    state.seconds = it->get<double>();
  }
  return state;
}

}  // namespace longalign::train
