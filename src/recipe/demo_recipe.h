// The recipes `longalign recipe init` writes: the built-in demo (what `make demo` runs) and a
// commented starting point for a user's own model and data.
#pragma once

#include <filesystem>
#include <string>

namespace longalign::recipe {

// The demo: synthetic tasks and short chats, a small Llama from random weights, task accuracy.
// `tokenizer` is a Llama-2 tokenizer (a model folder or tokenizer.json).
std::string demo_recipe_text(const std::filesystem::path& tokenizer);

// Every stage and key with its default, for a model folder, chat JSONL files and held-out data.
std::string starter_recipe_text();

}  // namespace longalign::recipe
