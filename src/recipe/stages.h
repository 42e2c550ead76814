// The stages of a recipe as the runner sees them: what each reads, what it writes in RUN_DIR, and
// the call that makes it. Each stage calls the library function its own command calls.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/json.h"
#include "recipe/recipe.h"
#include "train/engine.h"

namespace longalign::recipe {

// Where each stage writes, under RUN_DIR.
struct RunPaths {
  explicit RunPaths(const std::filesystem::path& run_dir);
  std::filesystem::path run, synth_train, synth_test, synth_self_instruct, store, test_store, plan,
      plan_svg, init, train, model, loss_svg, accuracy, accuracy_text, needle, longbench_chat;
};

// What the caller brings: the device engines (the CLI's --device), and where logs go.
struct RunContext {
  std::function<train::EngineFactory(const std::string& device)> engine_for_device;
  std::ostream* log = nullptr;
};

struct Stage {
  std::string name;
  Json settings;                               // the recipe's table, with the shared keys
  std::vector<std::filesystem::path> inputs;   // fingerprinted
  std::vector<std::filesystem::path> outputs;  // must all exist for the stage to be reused
  // Removed before a fresh run; kept when an interrupted run of the same fingerprint resumes.
  std::vector<std::filesystem::path> clear;
  std::function<void()> run;
};

// The stages the recipe has, in order.
std::vector<Stage> recipe_stages(const Recipe& recipe, const RunPaths& paths,
                                 const RunContext& context);

// Each stage's own function, one file each.
void run_synth(const Recipe& recipe, const RunPaths& paths);
void run_data(const Recipe& recipe, const RunPaths& paths);
void run_plan(const Recipe& recipe, const RunPaths& paths);
void run_train(const Recipe& recipe, const RunPaths& paths, const RunContext& context);
void run_eval(const Recipe& recipe, const RunPaths& paths);

}  // namespace longalign::recipe
