#include <algorithm>
#include <limits>

#include "core/error.h"
#include "core/file_io.h"
#include "data/chat_template.h"
#include "model/precision.h"
#include "recipe/recipe.h"
#include "recipe/toml_reader.h"
#include "text/tokenizer.h"
#include "train/loss_weights.h"
#include "train/lr_schedule.h"

namespace longalign::recipe {

namespace fs = std::filesystem;

namespace {

// Runs `parse` on the value of `key`; an Error it throws (an unknown name) gets the key's line.
template <typename T, typename F>
T named(const TableReader& r, const std::string& key, const std::string& value, F parse) {
  try {
    return parse(value);
  } catch (const Error& e) {
    r.fail(key, e.what());
  }
}

SelfInstruct parse_self_instruct(TableReader r) {
  SelfInstruct si;
  const auto docs = r.existing_path("docs");
  if (!docs) r.fail("docs", "missing: a folder of .txt files, or JSONL with \"text\"");
  si.docs = *docs;
  const auto endpoint = r.string("endpoint"), model = r.string("model");
  if (!endpoint) r.fail("endpoint", "missing: an OpenAI-compatible base URL");
  if (!model) r.fail("model", "missing: the model name sent with each request");
  si.endpoint = *endpoint;
  si.model = *model;
  si.api_key_env = r.string("api_key_env").value_or(si.api_key_env);
  for (const std::string& type : r.strings("types").value_or(std::vector<std::string>{})) {
    const auto t = named<synth::TaskType>(
        r, "types", type, [](const std::string& n) { return synth::parse_task_type(n); });
    if (std::find(si.types.begin(), si.types.end(), t) != si.types.end())
      r.fail("types", "lists \"" + type + "\" twice");
    si.types.push_back(t);
  }
  if (si.types.empty()) {
    si.types = {synth::TaskType::kGeneral, synth::TaskType::kSummary, synth::TaskType::kReasoning,
                synth::TaskType::kExtraction};
  }
  si.min_tokens = r.integer("min_tokens", 1).value_or(si.min_tokens);
  si.max_tokens = r.integer("max_tokens", 1).value_or(si.max_tokens);
  if (si.min_tokens > si.max_tokens) r.fail("min_tokens", "is above max_tokens");
  si.questions = int(r.integer("questions", 1).value_or(si.questions));
  si.concurrency = int(r.integer("concurrency", 1).value_or(si.concurrency));
  si.weight = r.number("weight").value_or(si.weight);
  if (si.weight <= 0) r.fail("weight", "must be above 0");
  r.finish();
  return si;
}

SynthStage parse_synth(TableReader r) {
  SynthStage s;
  for (TableReader t : r.tables("tasks")) {
    TaskSpec spec;
    const auto name = t.string("name");
    if (!name) t.fail("name", "missing (passkey, kv, vartrack, ...)");
    spec.task = named<synth::TaskKind>(t, "name", *name,
                                       [](const std::string& n) { return synth::parse_task(n); });
    spec.count = size_t(t.integer("count", 1).value_or(1));
    t.finish();
    s.tasks.push_back(spec);
  }
  for (int64_t n : r.integers("lengths", 16).value_or(std::vector<int64_t>{}))
    s.lengths.push_back(size_t(n));
  if (!s.tasks.empty() && s.lengths.empty())
    r.fail("lengths", "missing: the task lengths in tokens");
  s.equal_tokens = r.boolean("equal_tokens").value_or(true);
  s.held_out = size_t(r.integer("held_out", 0).value_or(8));
  s.short_chats = size_t(r.integer("short_chats", 0).value_or(0));
  for (const std::string& kind : r.strings("chat_kinds").value_or(std::vector<std::string>{})) {
    s.chat_kinds.push_back(named<synth::ChatKind>(
        r, "chat_kinds", kind, [](const std::string& n) { return synth::parse_chat_kind(n); }));
  }
  if (s.short_chats > 0 && s.chat_kinds.empty()) s.chat_kinds = synth::all_chat_kinds();
  if (auto t = r.table("self_instruct")) s.self_instruct = parse_self_instruct(*t);
  r.finish();
  return s;
}

DataStage parse_data(TableReader r, bool has_synth) {
  DataStage d;
  for (TableReader t : r.tables("inputs")) {
    const auto path = t.existing_path("path");
    if (!path) t.fail("path", "missing: a chat JSONL file");
    const double weight = t.number("weight").value_or(1.0);
    if (weight <= 0) t.fail("weight", "must be above 0");
    d.inputs.push_back({*path, weight});
    t.finish();
  }
  if (d.inputs.empty() && !has_synth) r.fail("inputs", "missing, and there is no [synth] stage");
  d.chat_template = r.string("template").value_or("llama2");
  named<data::ChatTemplate>(r, "template", d.chat_template,
                            [](const std::string& n) { return data::chat_template_from_name(n); });
  const auto max_length = r.integer("max_length", 16);
  if (!max_length) r.fail("max_length", "missing: the longest sample in tokens");
  if (*max_length > std::numeric_limits<uint32_t>::max()) r.fail("max_length", "too large");
  d.max_length = uint32_t(*max_length);
  d.truncation =
      named<data::Truncation>(r, "truncation", r.string("truncation").value_or("right"),
                              [](const std::string& n) { return data::parse_truncation(n); });
  d.held_out = r.existing_path("held_out").value_or(fs::path());
  if (d.held_out.empty() && !has_synth)
    r.fail("held_out", "missing, and there is no [synth] stage");
  r.finish();
  return d;
}

PlanStage parse_plan(TableReader r, const std::optional<DataStage>& data, uint64_t seed) {
  PlanStage p;
  data::PlanOptions& o = p.options;
  o.method = named<data::Method>(r, "method", r.string("method").value_or("pack"),
                                 [](const std::string& n) { return data::parse_method(n); });
  o.packer = named<data::Packer>(r, "packer", r.string("packer").value_or("balanced"),
                                 [](const std::string& n) { return data::parse_packer(n); });
  o.max_tokens = uint64_t(r.integer("pack_size", 1).value_or(data ? data->max_length : 65536));
  if (data && o.max_tokens < data->max_length) {
    r.fail("pack_size", std::to_string(o.max_tokens) + " is below data.max_length = " +
                            std::to_string(data->max_length) + ", the longest sample");
  }
  o.batch_size = uint32_t(r.integer("batch_size", 1).value_or(1));
  o.world_size = uint32_t(r.integer("world_size", 1).value_or(1));
  p.world_size_line = r.line("world_size");
  o.grad_accum = uint32_t(r.integer("grad_accum", 1).value_or(1));
  o.epochs = uint32_t(r.integer("epochs", 1).value_or(1));
  o.seed = seed;
  r.finish();
  return p;
}

ModelInit parse_init(TableReader r) {
  ModelInit m;
  m.layers = r.integer("layers", 1).value_or(m.layers);
  m.hidden = r.integer("hidden", 8).value_or(m.hidden);
  m.heads = r.integer("heads", 1).value_or(m.heads);
  m.kv_heads = r.integer("kv_heads", 1).value_or(m.heads);
  m.intermediate = r.integer("intermediate", 8).value_or(m.intermediate);
  m.rope_theta = r.number("rope_theta").value_or(m.rope_theta);
  if (m.hidden % m.heads != 0) r.fail("heads", "must divide hidden");
  if (m.heads % m.kv_heads != 0) r.fail("kv_heads", "must divide heads");
  r.finish();
  return m;
}

TrainStage parse_train(TableReader r) {
  TrainStage t;
  t.model = r.existing_path("model").value_or(fs::path());
  if (auto init = r.table("init")) t.init = parse_init(*init);
  if (t.model.empty() == !t.init) r.fail("model", "give either model (a folder) or [train.init]");
  t.device = r.string("device").value_or(t.device);
  t.dtype = r.string("dtype").value_or(t.dtype);
  named<model::Precision>(r, "dtype", t.dtype,
                          [](const std::string& n) { return model::parse_precision(n); });
  t.lr = r.number("lr").value_or(t.lr);
  t.warmup_ratio = r.number("warmup_ratio").value_or(t.warmup_ratio);
  t.weight_decay = r.number("weight_decay").value_or(t.weight_decay);
  t.schedule = r.string("schedule").value_or(t.schedule);
  named<train::Schedule>(r, "schedule", t.schedule,
                         [](const std::string& n) { return train::parse_schedule(n); });
  t.loss = r.string("loss").value_or(t.loss);
  named<train::LossMode>(r, "loss", t.loss,
                         [](const std::string& n) { return train::parse_loss_mode(n); });
  t.max_steps = r.integer("max_steps", 0).value_or(0);
  t.save_every = r.integer("save_every", 0).value_or(0);
  t.eval_every = r.integer("eval_every", 0).value_or(0);
  t.log_every = r.integer("log_every", 1).value_or(t.log_every);
  t.keep_last = r.integer("keep_last", 0).value_or(t.keep_last);
  r.finish();
  return t;
}

// `context`: the longest prompt the trained model takes, when the recipe says (train.init).
NeedleEval parse_needle(TableReader r, std::optional<int64_t> context) {
  NeedleEval n;
  const auto haystack = r.existing_path("haystack");
  if (!haystack) r.fail("haystack", "missing: a folder of *.txt files");
  n.haystack = *haystack;
  const auto lengths = r.string("lengths");
  if (!lengths)
    r.fail("lengths", "missing: context lengths in tokens, as \"1k..8k:4\" or \"512,1024\"");
  n.grid.lengths = named<std::vector<int64_t>>(r, "lengths", *lengths, [](const std::string& spec) {
    return eval::parse_length_spec(spec);
  });
  const int64_t longest = *std::max_element(n.grid.lengths.begin(), n.grid.lengths.end());
  if (context && longest > *context) {
    r.fail("lengths", "reaches " + std::to_string(longest) +
                          " tokens; the trained model's context is data.max_length = " +
                          std::to_string(*context));
  }
  n.grid.depths = named<std::vector<double>>(
      r, "depths", r.string("depths").value_or("0..100:11"),
      [](const std::string& spec) { return eval::parse_depth_spec(spec); });
  const auto needle = r.string("needle"), question = r.string("question"),
             answer = r.string("answer");
  if (needle || question || answer) {
    if (!needle || !question || !answer)
      r.fail("needle", "needle, question and answer go together");
    n.text = {*needle, *question, *answer};
  }
  n.match = named<eval::MatchMode>(r, "match", r.string("match").value_or("contains"),
                                   [](const std::string& m) { return eval::parse_match_mode(m); });
  n.max_new_tokens = r.integer("max_new_tokens", 1).value_or(n.max_new_tokens);
  r.finish();
  return n;
}

LongBenchChatEval parse_longbench_chat(TableReader r) {
  LongBenchChatEval l;
  const auto data = r.existing_path("data");
  if (!data)
    r.fail("data", "missing: the folder of test_cases.json, few_shots.json, prompt_fs.txt");
  l.data = *data;
  const auto judge = r.string("judge"), judge_model = r.string("judge_model");
  if (!judge) r.fail("judge", "missing: the judge's OpenAI-compatible base URL");
  if (!judge_model) r.fail("judge_model", "missing: the judge model, e.g. gpt-4");
  l.judge = *judge;
  l.judge_model = *judge_model;
  l.judge_key_env = r.string("judge_key_env").value_or(l.judge_key_env);
  l.judge_runs = int(r.integer("judge_runs", 1).value_or(l.judge_runs));
  l.max_length = r.integer("max_length", 1).value_or(l.max_length);
  l.max_new_tokens = r.integer("max_new_tokens", 1).value_or(l.max_new_tokens);
  r.finish();
  return l;
}

EvalStage parse_eval(TableReader r, bool has_synth, std::optional<int64_t> context) {
  EvalStage e;
  e.tasks = r.boolean("tasks").value_or(true);
  if (e.tasks && !has_synth) r.fail("tasks", "needs a [synth] stage with tasks to score");
  if (auto t = r.table("needle")) e.needle = parse_needle(*t, context);
  if (auto t = r.table("longbench_chat")) e.longbench_chat = parse_longbench_chat(*t);
  if (!e.tasks && !e.needle && !e.longbench_chat)
    r.fail("tasks", "false, and there is no [eval.needle] or [eval.longbench_chat]: nothing to do");
  r.finish();
  return e;
}

// The template must have its end-of-turn marker in the tokenizer.
void check_template(TableReader& r, const fs::path& tokenizer, const DataStage& d) {
  const auto tok = text::Tokenizer::load(tokenizer);
  try {
    data::end_of_turn_tokens(data::chat_template_from_name(d.chat_template), tok);
  } catch (const Error& e) {
    TableReader data_table = *r.table("data");
    data_table.fail("template", std::string("does not fit the tokenizer: ") + e.what());
  }
}

// A stage reads the outputs of the one before it, which the recipe must therefore have.
void needs(const TableReader& r, bool missing, const std::string& stage,
           const std::string& before) {
  if (missing) r.fail(stage, "needs a [" + before + "] stage before it");
}

Recipe parse_root(TableReader r, const std::string& name) {
  Recipe recipe;
  recipe.source = name;
  recipe.settings = r.settings();
  const auto tokenizer = r.existing_path("tokenizer");
  if (!tokenizer) r.fail("tokenizer", "missing: a model folder or tokenizer.json");
  recipe.tokenizer = *tokenizer;
  recipe.seed = uint64_t(r.integer("seed", 0).value_or(1));
  recipe.threads = size_t(r.integer("threads", 0).value_or(0));
  if (auto t = r.table("synth")) recipe.synth = parse_synth(*t);
  const bool has_synth = recipe.synth && !recipe.synth->tasks.empty();
  if (auto t = r.table("data")) recipe.data = parse_data(*t, recipe.synth.has_value());
  if (auto t = r.table("plan")) recipe.plan = parse_plan(*t, recipe.data, recipe.seed);
  if (auto t = r.table("train")) recipe.train = parse_train(*t);
  std::optional<int64_t> context;
  if (recipe.train && recipe.train->init && recipe.data) context = recipe.data->max_length;
  if (auto t = r.table("eval")) recipe.eval = parse_eval(*t, has_synth, context);
  r.finish();
  needs(r, recipe.plan && !recipe.data, "plan", "data");
  needs(r, recipe.train && !recipe.plan, "train", "plan");
  needs(r, recipe.eval && !recipe.train, "eval", "train");
  if (recipe.data) check_template(r, recipe.tokenizer, *recipe.data);
  return recipe;
}

}  // namespace

const std::vector<std::string>& stage_names() {
  static const std::vector<std::string> names = {"synth", "data", "plan", "train", "eval"};
  return names;
}

Recipe parse_recipe_text(std::string_view text, const std::string& name, const fs::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw Error(name + ":" + std::to_string(e.source().begin.line) + ": " +
                std::string(e.description()));
  }
  Recipe recipe = parse_root(TableReader(root, "", RecipeSource{name, base_dir}), name);
  recipe.text = std::string(text);
  return recipe;
}

Recipe parse_recipe(const fs::path& file) {
  return parse_recipe_text(read_file(file), file.string(), file.parent_path());
}

}  // namespace longalign::recipe
