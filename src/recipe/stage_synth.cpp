// The synth stage: synthetic long tasks (synth::generate_tasks, as `longalign synth tasks`) and
// short chats (synth::generate_short_chats) as one chat JSONL, and held-out tasks from another
// seed; and self-instruct samples (synth::run_self_instruct, as `longalign synth self-instruct`).
#include <iostream>

#include "core/error.h"
#include "core/file_io.h"
#include "recipe/stages.h"
#include "synth/documents.h"
#include "synth/self_instruct.h"
#include "text/tokenizer.h"

namespace longalign::recipe {

namespace {

// Another seed for the held-out tasks: other documents and other answers than any training one.
constexpr uint64_t kHeldOutSeed = 1000003;

// Samples at `length`: the count at the shortest length, falling as 1/length when equal_tokens.
size_t count_at(const SynthStage& s, const TaskSpec& spec, size_t length) {
  if (!s.equal_tokens) return spec.count;
  return std::max<size_t>(1, spec.count * s.lengths.front() / length);
}

// Appends to SYNTH/self_instruct.jsonl as samples finish; a rerun of an interrupted stage (same
// fingerprint, outputs kept) makes only the samples it lacks. Document lengths are counted in the
// recipe's tokenizer.
void run_self_instruct(const Recipe& recipe, const RunPaths& paths) {
  const SelfInstruct& si = *recipe.synth->self_instruct;
  synth::SelfInstructOptions o;
  o.plan.types = si.types;
  o.plan.min_tokens = si.min_tokens;
  o.plan.max_tokens = si.max_tokens;
  o.plan.seed = recipe.seed;
  o.questions = si.questions;
  o.workers = si.concurrency;
  o.resume = true;
  o.measure_threads = recipe.threads;
  serve::ClientOptions client_options;
  client_options.base_url = si.endpoint;
  client_options.model = si.model;
  client_options.api_key_env = si.api_key_env;
  client_options.max_concurrency = si.concurrency;
  serve::OpenAiClient client(client_options);
  const synth::SelfInstructReport report =
      synth::run_self_instruct(synth::read_documents(si.docs),
                               synth::DocumentLength(text::Tokenizer::load(recipe.tokenizer)),
                               client, paths.synth_self_instruct, o, std::cerr);
  std::cerr << synth::report_text(report);
  if (!report.stopped.empty())
    throw Error("synth.self_instruct stopped: " + report.stopped + "; rerun the recipe to resume");
}

}  // namespace

void run_synth(const Recipe& recipe, const RunPaths& paths) {
  const SynthStage& s = *recipe.synth;
  const auto tok = text::Tokenizer::load(recipe.tokenizer);
  std::string train, test;
  for (const TaskSpec& spec : s.tasks) {
    synth::TaskOptions o;
    o.task = spec.task;
    o.threads = recipe.threads;
    for (size_t length : s.lengths) {
      o.lengths = {length};
      o.count = count_at(s, spec, length);
      o.seed = recipe.seed;
      for (const auto& sample : synth::generate_tasks(tok, o))
        train += synth::sample_to_json(sample).dump() + '\n';
      o.count = s.held_out;
      o.seed = recipe.seed + kHeldOutSeed;
      if (o.count == 0) continue;
      for (const auto& sample : synth::generate_tasks(tok, o))
        test += synth::sample_to_json(sample).dump() + '\n';
    }
  }
  for (const auto& chat : synth::generate_short_chats(s.short_chats, recipe.seed, s.chat_kinds))
    train += synth::chat_sample_to_json(chat).dump() + '\n';
  std::filesystem::create_directories(paths.synth_train.parent_path());
  write_file_atomic(paths.synth_train, train);
  write_file_atomic(paths.synth_test, test);
  if (s.self_instruct) run_self_instruct(recipe, paths);
}

}  // namespace longalign::recipe
