// A recipe small enough to run every stage in seconds, and the CLI call that runs it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace longalign::recipe {

// One task length, a few samples, a one-layer model in fp32 (deterministic, so a resumed run can
// be compared with an uninterrupted one), a checkpoint every step.
inline std::string tiny_recipe(int epochs) {
  return "tokenizer = \"" + testing::npm_tokenizer_dir("llama2").string() + "\"\n" +
         R"(threads = 1
[synth]
lengths = [96]
held_out = 2
short_chats = 48
[[synth.tasks]]
name = "passkey"
count = 12
[data]
max_length = 160
truncation = "skip"
[plan]
pack_size = 320
epochs = )" +
         std::to_string(epochs) +
         R"(
[train]
device = "cpu"
dtype = "fp32"
lr = 1e-3
save_every = 1
eval_every = 2
log_every = 1
[train.init]
layers = 1
hidden = 32
heads = 2
intermediate = 64
[eval]
)";
}

inline testing::CliResult run_recipe_cli(const std::filesystem::path& recipe,
                                         const std::filesystem::path& run,
                                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"recipe", "run", recipe.string(), "-o", run.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return testing::run_longalign(testing::shell_words(args));
}

}  // namespace longalign::recipe
