// A recipe small enough to run every stage in seconds, and the CLI call that runs it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace longalign::recipe {

// One task length, a few samples, a one-layer model in fp32 (deterministic, so a resumed run can
// be compared with an uninterrupted one), a checkpoint every step. `eval_extra` goes at the end,
// in the [eval] table.
inline std::string tiny_recipe(int epochs, const std::string& eval_extra = "") {
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
)" + eval_extra;
}

// A needle grid of 2 lengths and 3 depths over RECIPE_DIR/haystack, which `write_haystack` fills.
inline constexpr const char* kTinyNeedle = R"([eval.needle]
haystack = "haystack"
lengths = "128,160"
depths = "0,50,100"
max_new_tokens = 8
)";

inline void write_haystack(const testing::TempDir& dir) {
  std::string text;
  for (int i = 1; i <= 30; ++i)
    text += "Sentence " + std::to_string(i) + " is about the harbour and the boats in it. ";
  dir.write("haystack/a.txt", text);
}

inline testing::CliResult run_recipe_cli(const std::filesystem::path& recipe,
                                         const std::filesystem::path& run,
                                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"recipe", "run", recipe.string(), "-o", run.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return testing::run_longalign(testing::shell_words(args));
}

}  // namespace longalign::recipe
