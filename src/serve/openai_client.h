// A client for any OpenAI-compatible chat completions endpoint (OpenAI, vLLM, `longalign serve`):
// what calls a model (the LLM judge, self-instruct data generation) goes through it.
//
// One object is shared by many threads. It keeps at most max_concurrency requests in flight,
// retries what may succeed on another try (408, 409, 429, 5xx, connection refused or reset,
// timeouts) with exponential backoff and jitter or the server's Retry-After, never retries any
// other 4xx (a prompt longer than the context fails at once), and totals the tokens it used.
// docs/EVAL.md describes the behaviour in full.
#pragma once

#include <atomic>
#include <chrono>
#include <semaphore>
#include <string>

#include "serve/client_chat.h"
#include "serve/client_error.h"
#include "serve/client_retry.h"
#include "serve/client_stream.h"

namespace longalign::serve {

struct ClientOptions {
  std::string base_url = "http://127.0.0.1:8000/v1";  // /chat/completions is appended
  // The API key is read from this environment variable when the client is made; unset or empty
  // sends no Authorization header (local servers need none).
  std::string api_key_env = "OPENAI_API_KEY";
  std::string model;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{600'000};  // per attempt, whole response included
  RetryPolicy retry;
  int max_concurrency = 8;
};

class OpenAiClient {
 public:
  // Throws Error when max_concurrency is not positive or the model is not named.
  explicit OpenAiClient(ClientOptions options);

  // One chat completion. With request.stream, deltas go to `on_delta` as they arrive (from the
  // calling thread); a stream that fails after its first delta is not retried, since the caller
  // has already seen part of it. Throws ClientError when the call fails for good.
  ChatResult chat(const ChatRequest& request, const DeltaHandler& on_delta = {});

  // Tokens used by the successful calls so far, over all threads.
  TokenUsage usage() const;

  const ClientOptions& options() const { return options_; }

 private:
  struct Attempt;
  Attempt attempt_once(const std::string& body, bool stream, const DeltaHandler& on_delta);

  ClientOptions options_;
  std::string url_;
  std::string api_key_;
  std::counting_semaphore<> slots_;
  std::atomic<int64_t> prompt_tokens_{0};
  std::atomic<int64_t> completion_tokens_{0};
};

}  // namespace longalign::serve
