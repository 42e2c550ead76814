#include "recipe/stages.h"

namespace longalign::recipe {

namespace fs = std::filesystem;

RunPaths::RunPaths(const fs::path& run_dir)
    : run(run_dir),
      synth_train(run_dir / "synth" / "train.jsonl"),
      synth_test(run_dir / "synth" / "test.jsonl"),
      synth_self_instruct(run_dir / "synth" / "self_instruct.jsonl"),
      store(run_dir / "store"),
      test_store(run_dir / "test_store"),
      plan(run_dir / "plan.json"),
      plan_svg(run_dir / "plan_fill.svg"),
      init(run_dir / "init"),
      train(run_dir / "train"),
      model(run_dir / "train" / "model"),
      loss_svg(run_dir / "loss.svg"),
      accuracy(run_dir / "accuracy.json"),
      accuracy_text(run_dir / "accuracy.txt"),
      needle(run_dir / "needle"),
      longbench_chat(run_dir / "longbench_chat") {}

namespace {

// A stage's table with the keys every stage shares: the tokenizer and the seed.
Json stage_settings(const Recipe& recipe, const std::string& name) {
  return {{"stage", recipe.settings.value(name, Json::object())},
          {"tokenizer", recipe.tokenizer.string()},
          {"seed", recipe.seed}};
}

Stage synth_stage(const Recipe& r, const RunPaths& p) {
  Stage s{"synth",
          stage_settings(r, "synth"),
          {r.tokenizer},
          {p.synth_train, p.synth_test},
          {p.synth_train.parent_path()},
          [&r, &p]() { run_synth(r, p); }};
  if (r.synth->self_instruct) {
    s.inputs.push_back(r.synth->self_instruct->docs);
    s.outputs.push_back(p.synth_self_instruct);
  }
  return s;
}

Stage data_stage(const Recipe& r, const RunPaths& p) {
  std::vector<fs::path> inputs = {r.tokenizer};
  for (const auto& input : r.data->inputs) inputs.push_back(input.path);
  if (r.synth) inputs.push_back(p.synth_train);
  if (r.synth && r.synth->self_instruct) inputs.push_back(p.synth_self_instruct);
  inputs.push_back(r.data->held_out.empty() ? p.synth_test : r.data->held_out);
  return {"data",
          stage_settings(r, "data"),
          inputs,
          {p.store / "meta.json", p.test_store / "meta.json"},
          {p.store, p.test_store},
          [&r, &p]() { run_data(r, p); }};
}

Stage plan_stage(const Recipe& r, const RunPaths& p) {
  return {"plan",   stage_settings(r, "plan"),     {p.store}, {p.plan, p.plan_svg},
          {p.plan}, [&r, &p]() { run_plan(r, p); }};
}

Stage train_stage(const Recipe& r, const RunPaths& p, const RunContext& c) {
  std::vector<fs::path> inputs = {p.store, p.test_store, p.plan};
  if (!r.train->model.empty()) inputs.push_back(r.train->model);
  return {"train",
          stage_settings(r, "train"),
          inputs,
          {p.model / "config.json", p.loss_svg},
          {p.init, p.train, p.loss_svg},
          [&r, &p, &c]() { run_train(r, p, c); }};
}

Stage eval_stage(const Recipe& r, const RunPaths& p) {
  Stage s{"eval", stage_settings(r, "eval"), {p.model}, {}, {}, [&r, &p]() { run_eval(r, p); }};
  if (r.eval->tasks) {
    s.inputs.insert(s.inputs.end(), {p.test_store, p.synth_test});
    s.outputs.insert(s.outputs.end(), {p.accuracy, p.accuracy_text});
    s.clear.insert(s.clear.end(), {p.accuracy, p.accuracy_text});
  }
  if (r.eval->needle) {
    s.inputs.push_back(r.eval->needle->haystack);
    s.outputs.insert(s.outputs.end(), {p.needle / "grid.json", p.needle / "heatmap.svg"});
    s.clear.push_back(p.needle);
  }
  if (r.eval->longbench_chat) {
    s.inputs.push_back(r.eval->longbench_chat->data);
    s.outputs.push_back(p.longbench_chat / "summary.json");
    s.clear.push_back(p.longbench_chat);
  }
  return s;
}

}  // namespace

std::vector<Stage> recipe_stages(const Recipe& recipe, const RunPaths& paths,
                                 const RunContext& context) {
  std::vector<Stage> stages;
  if (recipe.synth) stages.push_back(synth_stage(recipe, paths));
  if (recipe.data) stages.push_back(data_stage(recipe, paths));
  if (recipe.plan) stages.push_back(plan_stage(recipe, paths));
  if (recipe.train) stages.push_back(train_stage(recipe, paths, context));
  if (recipe.eval) stages.push_back(eval_stage(recipe, paths));
  return stages;
}

}  // namespace longalign::recipe
