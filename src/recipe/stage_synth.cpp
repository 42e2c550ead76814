// The synth stage: synthetic long tasks (synth::generate_tasks, as `longalign synth tasks`) and
// short chats (synth::generate_short_chats) as one chat JSONL, and held-out tasks from another
// seed.
#include "core/file_io.h"
#include "recipe/stages.h"
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
}

}  // namespace longalign::recipe
