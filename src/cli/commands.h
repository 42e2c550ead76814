// Each subcommand registers itself on the root CLI::App; the CLI parses and prints, the libraries
// do the work.
#pragma once

#include <CLI/CLI.hpp>

namespace longalign::cli {

void add_tokenize_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_recipe_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_model_command(CLI::App& app);
void add_score_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_chat_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_eval_command(CLI::App& app);

}  // namespace longalign::cli
