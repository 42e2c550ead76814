// longalign chat: a conversation in the terminal. Each line read is a user message; the answer
// streams back and joins the history, which the model sees whole (middle-truncated when it
// outgrows the context). /reset forgets the history, /exit (or the end of input) quits.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/generation_options.h"
#include "core/error.h"
#include "infer/scheduler.h"

namespace longalign::cli {
namespace {

void run_chat(const GenerationArgs& a) {
  const infer::ChatModel model = load_model(a);
  infer::Scheduler scheduler(*model.engine, *model.tokenizer, {.max_running = 1, .max_queued = 0});
  const bool terminal = isatty(STDIN_FILENO);
  std::vector<data::ChatMessage> history;
  if (!a.system.empty()) history.push_back({data::Role::system, a.system});
  const size_t system_messages = history.size();
  if (terminal) {
    std::cerr << "chat with " << a.model << " (template "
              << data::chat_template_name(model.chat_template) << "); /reset, /exit\n";
  }
  for (std::string line;;) {
    if (terminal) std::cerr << "> " << std::flush;
    if (!std::getline(std::cin, line) || line == "/exit") break;
    if (line == "/reset") {
      history.resize(system_messages);
      if (terminal) std::cerr << "(history cleared)\n";
      continue;
    }
    if (line.empty()) continue;
    history.push_back({data::Role::user, line});
    const auto stream =
        scheduler.submit(make_request(a, model, infer::chat_prompt(model, history)));
    std::string delta;
    while (stream->next(delta)) std::cout << delta << std::flush;
    std::cout << "\n" << std::flush;
    history.push_back({data::Role::assistant, stream->result().text});
  }
}

}  // namespace

void add_chat_command(CLI::App& app) {
  auto a = std::make_shared<GenerationArgs>();
  CLI::App* cmd = app.add_subcommand("chat", "A multi-turn conversation with a model on stdin");
  add_generation_options(*cmd, *a);
  cmd->callback([a] { run_chat(*a); });
}

}  // namespace longalign::cli
