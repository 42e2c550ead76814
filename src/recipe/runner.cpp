#include "recipe/runner.h"

#include <algorithm>
#include <chrono>
#include <ostream>

#include <sys/resource.h>

#include "core/error.h"
#include "core/file_io.h"
#include "recipe/fingerprint.h"
#include "recipe/report.h"

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

void run_stage(const Stage& stage, const StageDecision& decision, RunState& state,
               std::ostream& out) {
  out << stage.name << ": running (" << decision.why << ")\n" << std::flush;
  if (!decision.resume) {
    for (const fs::path& path : stage.clear) fs::remove_all(path);
  }
  const auto start = std::chrono::steady_clock::now();
  const Json fingerprint = stage_fingerprint(stage.settings, stage.inputs);
  state.record(stage.name, {{"fingerprint", fingerprint}, {"finished", false}});
  stage.run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.record(stage.name, {{"fingerprint", fingerprint},
                            {"finished", true},
                            {"seconds", seconds},
                            {"peak_rss_mib", peak_rss_mib()}});
  out << stage.name << ": done in " << int64_t(seconds + 0.5) << " s\n" << std::flush;
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
  const RunPaths paths(run_dir);
  const std::vector<Stage> stages = recipe_stages(recipe, paths, context);
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
    if (decisions[i].run) {
      run_stage(stages[i], decisions[i], state, out);
    } else {
      out << stages[i].name << ": skipped (" << decisions[i].why << ")\n";
    }
  }
  out << "report: " << write_report(paths).string() << "\n";
}

}  // namespace longalign::recipe
