// A local HTTP server for the OpenAI client's tests: it answers POST /v1/chat/completions with
// whatever the test's handler scripts (fixed replies, errors, slow or cut-off responses, SSE
// streams) and records what it saw: the requests, their times, and how many ran at once.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"

namespace longalign::testing {

class ScriptedServer {
 public:
  // Called for each request with its 0-based index in arrival order.
  using Handler = std::function<void(int call, const httplib::Request&, httplib::Response&)>;
  using Clock = std::chrono::steady_clock;

  explicit ScriptedServer(Handler handler) : handler_(std::move(handler)) {
    server_.Post("/v1/chat/completions",
                 [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  ~ScriptedServer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    server_.stop();
    thread_.join();
  }

  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  // Sleeps in a handler for `d`, or less when the server shuts down, so a test that gives up on a
  // slow reply does not wait for it at the end.
  void pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, d, [this] { return stopping_; });
  }

  int calls() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(requests_.size());
  }
  std::vector<httplib::Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<Clock::time_point> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }
  int max_in_flight() const { return max_in_flight_.load(); }

 private:
  void serve(const httplib::Request& req, httplib::Response& res) {
    int call = 0;
    {
      std::lock_guard lock(mutex_);
      call = static_cast<int>(requests_.size());
      requests_.push_back(req);
      arrivals_.push_back(Clock::now());
      max_in_flight_ = std::max(max_in_flight_.load(), ++in_flight_);
    }
    handler_(call, req, res);
    std::lock_guard lock(mutex_);
    --in_flight_;
  }

  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<httplib::Request> requests_;
  std::vector<Clock::time_point> arrivals_;
  int in_flight_ = 0;
  std::atomic<int> max_in_flight_{0};
};

// A chat.completion body as OpenAI returns it, for scripted replies.
inline Json chat_completion_body(const std::string& text, int prompt_tokens,
                                 int completion_tokens) {
  return {{"id", "chatcmpl-1"},
          {"object", "chat.completion"},
          {"choices",
           {{{"index", 0},
             {"message", {{"role", "assistant"}, {"content", text}}},
             {"finish_reason", "stop"}}}},
          {"usage", {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens}}}};
}

}  // namespace longalign::testing
