// longalign serve: an OpenAI-compatible HTTP server for one model folder (docs/SERVE.md).
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "infer/chat_model.h"
#include "infer/engine.h"
#include "infer/scheduler.h"
#include "model/precision.h"
#include "serve/server.h"
#include "serve/stop_signals.h"

namespace longalign::cli {
namespace {

namespace fs = std::filesystem;

struct ServeArgs {
  std::string model, template_name, dtype = "bf16", kv_dtype = "bf16";
  serve::ServerOptions server;
  int64_t max_running = 8, max_queue = 32, prefix_cache_mib = 1024;
};

void run_serve(ServeArgs a) {
  // Before any thread starts, so that only the stop watcher receives SIGINT and SIGTERM.
  serve::block_stop_signals();
  if (a.server.port < 0 || a.server.port > 65535) throw UsageError("--port must be 0 to 65535");
  if (a.max_running < 1) throw UsageError("--max-running must be at least 1");
  if (a.max_queue < 0) throw UsageError("--max-queue must be at least 0");
  if (a.prefix_cache_mib < 0) throw UsageError("--prefix-cache-mib must not be negative");
  if (a.server.max_prompt_length < 0) throw UsageError("--max-length must not be negative");
  if (a.server.max_body_bytes < 1) throw UsageError("--max-body-bytes must be at least 1");
  if (a.server.idle_timeout_seconds < 1) throw UsageError("--idle-timeout must be at least 1");
  if (a.server.max_connections < 1) throw UsageError("--max-connections must be at least 1");
  infer::EngineOptions engine;
  engine.precision = model::parse_precision(a.dtype);
  engine.kv_dtype = infer::parse_kv_dtype(a.kv_dtype);
  const infer::ChatModel model = infer::load_chat_model(a.model, a.template_name, engine);
  if (a.server.model_name.empty()) {
    a.server.model_name = fs::weakly_canonical(a.model).filename().string();
  }
  infer::Scheduler scheduler(*model.engine, *model.tokenizer,
                             {a.max_running, a.max_queue, a.prefix_cache_mib << 20});
  serve::Server server(model, scheduler, a.server);
  const int port = server.bind();
  std::cerr << "serving " << a.server.model_name << " (template "
            << data::chat_template_name(model.chat_template) << ", context "
            << model.engine->max_context() << " tokens)\n";
  const bool ipv6 = a.server.host.find(':') != std::string::npos;
  std::cout << "listening on http://" << (ipv6 ? "[" + a.server.host + "]" : a.server.host) << ":"
            << port << std::endl;
  serve::run_until_stop_signal(server);
  std::cerr << "stopped\n";
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve a model over an OpenAI-compatible HTTP API (chat completions, completions)");
  cmd->add_option("--model", args->model, "Model folder")->required();
  cmd->add_option("--host", args->server.host, "Address to listen on (default 127.0.0.1)");
  cmd->add_option("--port", args->server.port, "Port (default 8000; 0 picks a free one)");
  cmd->add_option("--api-key", args->server.api_key,
                  "Require \"Authorization: Bearer KEY\" on /v1/ requests")
      ->envname("LONGALIGN_API_KEY");
  cmd->add_option("--served-model-name", args->server.model_name,
                  "The model's name in the API (default: the folder's name)");
  cmd->add_option("--template", args->template_name,
                  "Chat template (default: chosen from the tokenizer and model type)");
  cmd->add_option("--max-running", args->max_running, "Requests decoded together (default 8)");
  cmd->add_option("--max-queue", args->max_queue,
                  "Requests waiting for a slot before the server answers 429 (default 32)");
  cmd->add_option("--prefix-cache-mib", args->prefix_cache_mib,
                  "KV caches of finished requests kept for prompts that start the same way "
                  "(default 1024 MiB, 0 = off)");
  cmd->add_option("--max-body-bytes", args->server.max_body_bytes,
                  "Largest request body; a larger one is answered 413 (default 32 MiB)");
  cmd->add_option("--idle-timeout", args->server.idle_timeout_seconds,
                  "Seconds an idle connection or a stalled request is kept (default 5)");
  cmd->add_option("--max-connections", args->server.max_connections,
                  "Connections served at once, each on its own thread; later ones wait "
                  "(default 512)");
  cmd->add_option("--dtype", args->dtype, "bf16 (default) or fp32 matrix products");
  cmd->add_option("--kv-dtype", args->kv_dtype, "bf16 (default) or fp32 KV cache");
  cmd->add_option("--max-length", args->server.max_prompt_length,
                  "Prompt tokens kept at most, from its middle out (default: no limit; a prompt "
                  "that does not fit the context is refused)");
  cmd->callback([args] { run_serve(*args); });
}

}  // namespace longalign::cli
