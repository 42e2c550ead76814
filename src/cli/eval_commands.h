// The `eval` subcommands that live in files of their own, registered by add_eval_command.
#pragma once

#include <CLI/CLI.hpp>

namespace longalign::cli {

void add_eval_needle_command(CLI::App& eval);
void add_eval_tasks_command(CLI::App& eval);

}  // namespace longalign::cli
