// Learning-rate schedules as Hugging Face's get_*_schedule_with_warmup define them: a linear
// warm-up from 0 to the peak over the first warmup steps, then cosine decay to 0, linear decay to
// 0, or the peak held constant.
#pragma once

#include <cstdint>
#include <string>

namespace longalign::train {

enum class Schedule { cosine, linear, constant };

Schedule parse_schedule(const std::string& name);  // UsageError for an unknown name
const char* schedule_name(Schedule schedule);

// The rate for optimizer step `step` (0-based) of `total`.
double learning_rate(Schedule schedule, double peak, int64_t step, int64_t total,
                     int64_t warmup_steps);

}  // namespace longalign::train
