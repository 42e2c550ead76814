// The OpenAI-compatible HTTP server: POST /v1/chat/completions, POST /v1/completions,
// GET /v1/models, GET /v1/models/{id} and GET /health, answering from one model through the
// continuous-batching scheduler. docs/SERVE.md describes the endpoints, fields and errors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "infer/chat_model.h"
#include "infer/scheduler.h"
#include "serve/head_limits.h"

namespace longalign::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless the user asks for more
  int port = 8000;                 // 0: any free port
  std::string api_key;             // when set, /v1/ requests need "Authorization: Bearer <key>"
  std::string model_name;          // the name clients send as "model"
  int64_t max_prompt_length = 0;   // longer prompts lose their middle; 0: no limit
  // Connections served at once, each on a thread of its own; later ones wait their turn.
  size_t max_connections = 512;
  // Limits (docs/SERVE.md, "Limits"). A larger body is answered 413 once it has been read (up to
  // kMaxDrainBytes more, so the client sees the answer rather than a reset connection).
  size_t max_body_bytes = size_t{32} << 20;
  int idle_timeout_seconds = 5;  // a connection with no request, or a request that stalls
  HeadLimits head_limits;        // request line and headers, checked before they are parsed
};

// Past max_body_bytes, at most this many more body bytes are read and discarded before the 413;
// a body larger still is answered at once and the connection closed.
inline constexpr size_t kMaxDrainBytes = size_t{64} << 20;

class Server {
 public:
  // `model` and `scheduler` must outlive the server.
  Server(const infer::ChatModel& model, infer::Scheduler& scheduler, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket and returns its port (the one picked, for port 0). Error when the
  // address cannot be bound.
  int bind();

  // Serves requests on the bound socket until stop().
  void run();

  // From any thread: ends the generations in flight and makes run() return.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace longalign::serve
