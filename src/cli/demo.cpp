// longalign demo: the LongAlign recipe at small scale, offline, in a few minutes on a CPU. It runs
// the built-in demo recipe (`longalign recipe init --from-demo` writes it out to edit): long
// synthetic retrieval tasks mixed with short chats, a packed plan, a small Llama with a raised
// rope_theta trained from scratch with LongAlign's loss weighting, exact-match accuracy by length.
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/recipe_run.h"
#include "recipe/demo_recipe.h"

namespace longalign::cli {

namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  std::string tokenizer, output = "out/demo";
};

void run_demo(const DemoArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const std::string text = recipe::demo_recipe_text(fs::absolute(a.tokenizer));
  run_recipe_and_print(recipe::parse_recipe_text(text, "the demo recipe", fs::current_path()),
                       a.output, {});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("demo took %.0f s\n", seconds);
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "The built-in demo recipe: synthesize, prepare, plan, train a small model, score");
  cmd->add_option("--tokenizer", a->tokenizer, "Model folder or tokenizer.json (Llama-2's)")
      ->required();
  cmd->add_option("-o,--output", a->output, "Run folder")->capture_default_str();
  cmd->callback([a] { run_demo(*a); });
}

}  // namespace longalign::cli
