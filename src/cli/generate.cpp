// longalign generate: one answer to one prompt, streamed to stdout as it is produced (or one
// JSON object with --json). src/infer/ does the work.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/generation_options.h"
#include "core/error.h"
#include "core/json.h"
#include "infer/scheduler.h"

namespace longalign::cli {
namespace {

struct GenerateArgs {
  GenerationArgs g;
  std::string prompt, prompt_file;
  bool raw = false, json = false;
};

std::string read_prompt(const GenerateArgs& a) {
  if (a.prompt_file.empty()) return a.prompt;
  std::ifstream in(a.prompt_file, std::ios::binary);
  if (!in) throw Error("cannot read the prompt file " + a.prompt_file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The prompt's tokens: the text as it is with the tokenizer's BOS (--raw), or a user message
// (after the system message) in the chat template with the assistant's turn opened.
std::vector<int32_t> prompt_tokens(const GenerateArgs& a, const infer::ChatModel& model,
                                   const std::string& text) {
  if (a.raw) {
    const std::vector<text::TokenId> ids = model.tokenizer->encode(text, {.add_special = true});
    return std::vector<int32_t>(ids.begin(), ids.end());
  }
  std::vector<data::ChatMessage> messages;
  if (!a.g.system.empty()) messages.push_back({data::Role::system, a.g.system});
  messages.push_back({data::Role::user, text});
  return infer::chat_prompt(model, messages);
}

void run_generate(const GenerateArgs& a) {
  if (a.raw && (!a.g.template_name.empty() || !a.g.system.empty())) {
    throw UsageError("--raw takes the prompt as it is: no --template or --system with it");
  }
  const std::string text = read_prompt(a);
  const infer::ChatModel model = load_model(a.g);
  infer::Scheduler scheduler(*model.engine, *model.tokenizer, {.max_running = 1, .max_queued = 0});
  const std::shared_ptr<infer::GenerationStream> stream =
      scheduler.submit(make_request(a.g, model, prompt_tokens(a, model, text)));
  std::string delta;
  while (stream->next(delta)) {
    if (!a.json && !delta.empty()) std::cout << delta << std::flush;
  }
  const infer::GenerationResult& r = stream->result();
  if (!a.json) {
    std::cout << "\n";
    return;
  }
  const Json out = {{"text", r.text},
                    {"tokens", r.tokens},
                    {"finish_reason", infer::finish_reason_name(r.finish)},
                    {"usage",
                     {{"prompt_tokens", r.prompt_tokens},
                      {"completion_tokens", r.completion_tokens},
                      {"total_tokens", r.prompt_tokens + r.completion_tokens}}}};
  std::cout << out.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("generate", "Answer one prompt with a model, streamed");
  add_generation_options(*cmd, a->g);
  auto* prompt = cmd->add_option("--prompt", a->prompt, "The prompt text");
  auto* file = cmd->add_option("--prompt-file", a->prompt_file, "A file holding the prompt");
  prompt->excludes(file);
  cmd->add_flag("--raw", a->raw, "Use the prompt as it is, without the chat template");
  cmd->add_flag("--json", a->json,
                "Print one JSON object (text, tokens, finish_reason, usage) at the end");
  cmd->callback([a, prompt, file] {
    if (prompt->count() == 0 && file->count() == 0) {
      throw UsageError("generate needs --prompt or --prompt-file");
    }
    run_generate(*a);
  });
}

}  // namespace longalign::cli
