// The plan on disk: JSON with a header (the options and the sample count) and the steps, so the
// trainer and other tools replay exactly what was planned.
#pragma once

#include <filesystem>

#include "core/json.h"
#include "data/plan.h"

namespace longalign::data {

Json plan_to_json(const Plan& plan);
// Checks the layout and the bookkeeping (ids in range, K and M matching the micro-batches);
// `where` names the source in errors.
Plan plan_from_json(const Json& j, const std::string& where);

// Written atomically: a reader never sees half a plan.
void save_plan(const Plan& plan, const std::filesystem::path& path);
Plan load_plan(const std::filesystem::path& path);

}  // namespace longalign::data
