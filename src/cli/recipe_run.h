// Runs a recipe the way `longalign recipe run` does; `longalign demo` runs the built-in one.
#pragma once

#include <filesystem>

#include "recipe/recipe.h"
#include "recipe/runner.h"

namespace longalign::cli {

// Runs `recipe` into `run_dir` with this build's devices, then prints the task accuracy table
// when the run has one.
void run_recipe_and_print(const recipe::Recipe& recipe, const std::filesystem::path& run_dir,
                          const recipe::RunOptions& options);

}  // namespace longalign::cli
