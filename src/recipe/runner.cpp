#include "recipe/runner.h"

#include <algorithm>
#include <chrono>
#include <ostream>

#include <sys/resource.h>

#include "core/error.h"
#include "core/file_io.h"
#include "recipe/fingerprint.h"
#include "recipe/report.h"
#include "train/distributed.h"

namespace longalign::recipe {

namespace fs = std::filesystem;

namespace {

std::string missing_output(const Stage& stage) {
  for (const fs::path& output : stage.outputs) {
    if (!fs::exists(output)) return output.string() + " is missing";
  }
  return "";
}

// Why `stage` must run when nothing forces it ("" when it can be reused); sets `resume`.
std::string own_reason(const Stage& stage, const RunState& state, bool& resume) {
  const Json* recorded = state.finished(stage.name);
  if (!recorded) return "it has not run in this folder";
  const Json current = stage_fingerprint(stage.settings, stage.inputs);
  const std::string change = fingerprint_change(recorded->at("fingerprint"), current);
  if (!recorded->value("finished", false)) {
    resume = change.empty();
    return change.empty() ? "it was interrupted: resuming" : "it was interrupted, and " + change;
  }
  if (!change.empty()) return change;
  return missing_output(stage);
}

void check_stage_name(const std::string& name, const char* option,
                      const std::vector<Stage>& stages) {
  if (name.empty()) return;
  for (const Stage& s : stages)
    if (s.name == name) return;
  throw UsageError(std::string(option) + " " + name + ": the recipe has no such stage");
}

// The most memory this process has held so far (Linux reports KiB).
double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

// Clears the stage's outputs (unless it resumes) and records it as not finished.
Json begin_stage(const Stage& stage, const StageDecision& decision, RunState& state,
                 std::ostream& out) {
  out << stage.name << ": running (" << decision.why << ")\n" << std::flush;
  if (!decision.resume) {
    for (const fs::path& path : stage.clear) fs::remove_all(path);
  }
  const Json fingerprint = stage_fingerprint(stage.settings, stage.inputs);
  state.record(stage.name, {{"fingerprint", fingerprint}, {"finished", false}});
  return fingerprint;
}

void finish_stage(const Stage& stage, const Json& fingerprint, double seconds, RunState& state,
                  std::ostream& out) {
  state.record(stage.name, {{"fingerprint", fingerprint},
                            {"finished", true},
                            {"seconds", seconds},
                            {"peak_rss_mib", peak_rss_mib()}});
  out << stage.name << ": done in " << int64_t(seconds + 0.5) << " s\n" << std::flush;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void run_stage(const Stage& stage, const StageDecision& decision, RunState& state,
               std::ostream& out) {
  const auto start = std::chrono::steady_clock::now();
  const Json fingerprint = begin_stage(stage, decision, state, out);
  stage.run();
  finish_stage(stage, fingerprint, seconds_since(start), state, out);
}

// Under mpirun every rank trains; everything else is rank 0's. The plan must be for this many
// ranks, which is checked on every rank before any stage runs.
void check_world_size(const Recipe& recipe, int ranks) {
  if (!recipe.train) {
    if (ranks > 1) {
      throw UsageError(recipe.source + ": no [train] table, and only training runs on " +
                       std::to_string(ranks) + " ranks: run it without mpirun");
    }
    return;
  }
  const uint32_t planned = recipe.plan->options.world_size;
  if (planned != uint32_t(ranks)) {
    throw UsageError(recipe.source + ":" + std::to_string(recipe.plan->world_size_line) +
                     ": plan.world_size = " + std::to_string(planned) + ", but " +
                     std::to_string(ranks) + (ranks == 1 ? " process runs" : " ranks run") +
                     " the recipe: set plan.world_size = " + std::to_string(ranks) +
                     " or run it with mpirun -np " + std::to_string(planned));
  }
}

}  // namespace

std::vector<StageDecision> decide_stages(const std::vector<Stage>& stages, const fs::path& run_dir,
                                         const RunOptions& options) {
  check_stage_name(options.from, "--from", stages);
  check_stage_name(options.only, "--only", stages);
  const RunState state(run_dir);
  std::vector<StageDecision> decisions;
  bool earlier_runs = false, reached_from = options.from.empty();
  for (const Stage& stage : stages) {
    StageDecision d{stage.name, true, false, ""};
    reached_from = reached_from || stage.name == options.from;
    if (!options.only.empty() && stage.name != options.only) {
      d = {stage.name, false, false, "not selected (--only " + options.only + ")"};
    } else if (!reached_from) {
      d = {stage.name, false, false, "before --from " + options.from};
    } else if (stage.name == options.only || stage.name == options.from) {
      own_reason(stage, state, d.resume);  // an interrupted run of it still resumes
      d.why = d.resume ? "selected; it was interrupted: resuming" : "selected";
    } else if (earlier_runs) {
      d.why = "an earlier stage runs";
    } else {
      d.why = own_reason(stage, state, d.resume);
      if (d.why.empty()) d = {stage.name, false, false, "unchanged: reusing its outputs"};
    }
    earlier_runs = earlier_runs || d.run;
    decisions.push_back(d);
  }
  return decisions;
}

void run_recipe(const Recipe& recipe, const fs::path& run_dir, const RunOptions& options,
                const RunContext& context, std::ostream& out) {
  train::Communicator& world = train::Communicator::world();
  check_world_size(recipe, world.size());
  const RunPaths paths(run_dir);
  const std::vector<Stage> stages = recipe_stages(recipe, paths, context);
  const auto train_stage =
      std::find_if(stages.begin(), stages.end(), [](const Stage& s) { return s.name == "train"; });
  if (!world.is_root()) {
    // Waits for rank 0's earlier stages, then trains with it when rank 0 decided so.
    if (!options.dry_run && world.broadcast(0) != 0) train_stage->run();
    return;
  }
  const std::vector<StageDecision> decisions = decide_stages(stages, run_dir, options);
  if (options.dry_run) {
    for (const StageDecision& d : decisions)
      out << d.stage << ": " << (d.run ? (d.resume ? "would resume" : "would run") : "skip") << " ("
          << d.why << ")\n";
    return;
  }
  fs::create_directories(run_dir);
  write_file_atomic(run_dir / "recipe.toml", recipe.text);
  RunState state(run_dir);
  for (size_t i = 0; i < stages.size(); ++i) {
    const Stage& stage = stages[i];
    const StageDecision& decision = decisions[i];
    if (stage.name == "train") {
      // The other ranks wait in this broadcast; the outputs are cleared before they start.
      const auto start = std::chrono::steady_clock::now();
      Json fingerprint;
      if (decision.run) fingerprint = begin_stage(stage, decision, state, out);
      world.broadcast(decision.run ? 1 : 0);  // rank 0 decides for all
      if (decision.run) {
        stage.run();
        finish_stage(stage, fingerprint, seconds_since(start), state, out);
        continue;
      }
    } else if (decision.run) {
      run_stage(stage, decision, state, out);
      continue;
    }
    out << stage.name << ": skipped (" << decision.why << ")\n";
  }
  out << "report: " << write_report(paths).string() << "\n";
}

}  // namespace longalign::recipe
