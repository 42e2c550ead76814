// longalign: one program, one subcommand per job.
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/version.h"

int main(int argc, char** argv) {
  CLI::App app{"longalign: the LongAlign recipe for long-context alignment, in one native program"};
  app.set_version_flag("--version", std::string("longalign ") + longalign::kVersion);
  app.require_subcommand(1);
  longalign::cli::add_tokenize_command(app);
  longalign::cli::add_demo_command(app);
  longalign::cli::add_recipe_command(app);
  longalign::cli::add_data_command(app);
  longalign::cli::add_synth_command(app);
  longalign::cli::add_model_command(app);
  longalign::cli::add_score_command(app);
  longalign::cli::add_bench_command(app);
  longalign::cli::add_train_command(app);
  longalign::cli::add_plot_command(app);
  longalign::cli::add_generate_command(app);
  longalign::cli::add_chat_command(app);
  longalign::cli::add_serve_command(app);
  longalign::cli::add_eval_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\nRun with --help for usage.\n";
    return 2;
  } catch (const longalign::UsageError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
