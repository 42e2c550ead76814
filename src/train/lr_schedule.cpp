#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace longalign::train {

Schedule parse_schedule(const std::string& name) {
  if (name == "cosine") return Schedule::cosine;
  if (name == "linear") return Schedule::linear;
  if (name == "constant") return Schedule::constant;
  throw UsageError("--schedule must be cosine, linear or constant, not '" + name + "'");
}

const char* schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::cosine:
      return "cosine";
    case Schedule::linear:
      return "linear";
    case Schedule::constant:
      return "constant";
  }
  return "?";
}

double learning_rate(Schedule schedule, double peak, int64_t step, int64_t total,
                     int64_t warmup_steps) {
  if (step < warmup_steps) return peak * double(step) / double(std::max<int64_t>(1, warmup_steps));
  if (schedule == Schedule::constant) return peak;
  // Progress through the decay, 0 at the end of warm-up and 1 at the last step + 1.
  const double progress =
      double(step - warmup_steps) / double(std::max<int64_t>(1, total - warmup_steps));
  if (schedule == Schedule::linear) return peak * std::max(0.0, 1.0 - progress);
  return peak * std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
}

}  // namespace longalign::train
