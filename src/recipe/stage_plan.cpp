// The plan stage: data::make_plan over the store (as `longalign data plan`), and the histogram of
// pack fill for the report.
#include "core/file_io.h"
#include "data/plan_file.h"
#include "data/plan_report.h"
#include "data/store.h"
#include "recipe/stages.h"

namespace longalign::recipe {

void run_plan(const Recipe& recipe, const RunPaths& paths) {
  const auto samples = data::StoreReader(paths.store).samples();
  const data::Plan plan = data::make_plan(samples, recipe.plan->options);
  write_file_atomic(paths.plan_svg,
                    data::fill_histogram_svg(data::plan_stats(plan, samples, std::nullopt)));
  data::save_plan(plan, paths.plan);
}

}  // namespace longalign::recipe
