#include "serve/openai_client.h"

#include <cstdlib>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "core/random.h"
#include "serve/client_http.h"

namespace longalign::serve {

namespace {

// Jitter needs no reproducibility, only independence between threads.
double unit_random() {
  thread_local uint64_t state = std::random_device{}();
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

std::string read_api_key(const std::string& env) {
  const char* key = env.empty() ? nullptr : std::getenv(env.c_str());
  return key ? std::string(key) : std::string();
}

std::string chat_url(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/chat/completions";
}

// Holds one of the client's request slots for the length of an attempt.
class SlotGuard {
 public:
  explicit SlotGuard(std::counting_semaphore<>& slots) : slots_(slots) { slots_.acquire(); }
  ~SlotGuard() { slots_.release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  std::counting_semaphore<>& slots_;
};

}  // namespace

// The outcome of one HTTP exchange: a result, or a failure and whether to try again.
struct OpenAiClient::Attempt {
  std::optional<ChatResult> result;
  ClientErrorInfo failure;
  bool retryable = false;
  std::optional<std::chrono::milliseconds> retry_after;
};

OpenAiClient::OpenAiClient(ClientOptions options)
    : options_(std::move(options)),
      url_(chat_url(options_.base_url)),
      api_key_(read_api_key(options_.api_key_env)),
      // A semaphore cannot start below zero; the check below reports the bad option instead.
      slots_(options_.max_concurrency > 0 ? options_.max_concurrency : 1) {
  if (options_.max_concurrency <= 0) throw Error("OpenAI client: max_concurrency must be positive");
  if (options_.model.empty()) throw Error("OpenAI client: no model name given");
}

ChatResult OpenAiClient::chat(const ChatRequest& request, const DeltaHandler& on_delta) {
  // Prompts cut from documents may hold invalid UTF-8, which JSON cannot carry: U+FFFD replaces it.
  const std::string body = chat_request_body(request, options_.model)
                               .dump(-1, ' ', false, Json::error_handler_t::replace);
  for (int retry = 0;; ++retry) {
    Attempt a = attempt_once(body, request.stream, on_delta);
    if (a.result) {
      prompt_tokens_ += a.result->usage.prompt_tokens;
      completion_tokens_ += a.result->usage.completion_tokens;
      return std::move(*a.result);
    }
    if (!a.retryable || retry >= options_.retry.max_retries) {
      throw ClientError(url_, std::move(a.failure), retry + 1);
    }
    const auto wait = a.retry_after ? std::min(*a.retry_after, options_.retry.max_retry_after)
                                    : backoff_delay(options_.retry, retry, unit_random());
    std::this_thread::sleep_for(wait);
  }
}

OpenAiClient::Attempt OpenAiClient::attempt_once(const std::string& body, bool stream,
                                                 const DeltaHandler& on_delta) {
  HttpPost post{url_,
                {"Content-Type: application/json"},
                body,
                options_.connect_timeout,
                options_.total_timeout};
  post.headers.emplace_back(stream ? "Accept: text/event-stream" : "Accept: application/json");
  if (!api_key_.empty()) post.headers.push_back("Authorization: Bearer " + api_key_);

  // A 200 stream is read as it arrives; anything else (an error body, a whole JSON response) is
  // collected first.
  ChatStreamReader reader(on_delta);
  std::string collected;
  HttpReply reply;
  {
    SlotGuard slot(slots_);
    reply = http_post(post, [&](long status, std::string_view chunk) {
      if (stream && status == 200) return reader.feed(chunk);
      collected.append(chunk);
      return true;
    });
  }

  Attempt a;
  if (reader.failure()) {
    a.failure = *reader.failure();
    return a;
  }
  if (!reply.completed || (stream && reply.status == 200 && !reader.done())) {
    a.failure.message = reply.completed ? "stream ended before [DONE]" : reply.failure;
    // Deltas already handed to the caller cannot be taken back, so a broken stream is retried
    // only if it broke before the first one.
    a.retryable = (reply.transient_failure || reply.completed) && !reader.delivered();
    return a;
  }
  if (reply.status != 200) {
    a.failure = error_info_from_body(reply.status, collected);
    a.retryable = is_retryable_status(reply.status);
    if (!reply.retry_after.empty()) {
      a.retry_after = parse_retry_after(reply.retry_after, std::chrono::system_clock::now());
    }
    return a;
  }
  if (stream) {
    a.result = std::move(reader.result());
    return a;
  }
  ParsedChat parsed = parse_chat_response(collected);
  a.result = std::move(parsed.result);
  a.failure = std::move(parsed.failure);
  return a;
}

TokenUsage OpenAiClient::usage() const {
  return {prompt_tokens_.load(), completion_tokens_.load()};
}

}  // namespace longalign::serve
