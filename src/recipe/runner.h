// Runs a recipe's stages in order, reusing each whose recorded fingerprint still matches, and
// saying why each runs or not.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "recipe/recipe.h"
#include "recipe/stages.h"

namespace longalign::recipe {

struct RunOptions {
  std::string from;  // run this stage and every later one, whatever their fingerprints
  std::string only;  // run this stage alone
  bool dry_run = false;
};

struct StageDecision {
  std::string stage;
  bool run = false;
  bool resume = false;  // continue an interrupted run instead of starting over
  std::string why;
};

// What would run and why, given what RUN_DIR/recipe-state.json recorded.
std::vector<StageDecision> decide_stages(const std::vector<Stage>& stages,
                                         const std::filesystem::path& run_dir,
                                         const RunOptions& options);

// Runs (or with dry_run only prints) the stages, one line per stage on `out`.
void run_recipe(const Recipe& recipe, const std::filesystem::path& run_dir,
                const RunOptions& options, const RunContext& context, std::ostream& out);

}  // namespace longalign::recipe
