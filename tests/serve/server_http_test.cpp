// `longalign serve` over raw HTTP: the response and event-stream formats byte for byte, every
// error status with OpenAI's error body, the queue limit, a client that goes away mid-stream,
// and a clean stop on SIGTERM. The server runs the real engine on a tiny random model.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/json.h"
#include "serve_process.h"

namespace longalign {
namespace {

using testing::ServeProcess;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

const Json kGreedyChat = {{"model", "tiny"},
                          {"temperature", 0},
                          {"max_tokens", 12},
                          {"messages", {{{"role", "user"}, {"content", "Say something."}}}}};

struct Reply {
  int status = 0;
  Json body;
  httplib::Headers headers;
};

Reply request(const ServeProcess& server, const std::string& method, const std::string& path,
              const std::string& body = "", const std::string& key = "") {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(120);
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.body = body;
  if (!body.empty()) req.set_header("Content-Type", "application/json");
  if (!key.empty()) req.set_header("Authorization", "Bearer " + key);
  const httplib::Result r = client.send(req);
  if (!r) {
    ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(r.error());
    return {};
  }
  return {r->status, Json::parse(r->body, nullptr, false), r->headers};
}

Reply post(const ServeProcess& server, const std::string& path, const Json& body,
           const std::string& key = "") {
  return request(server, "POST", path, body.dump(), key);
}

// Checks OpenAI's error shape and returns the "error" object.
Json error_of(const Reply& r, int status) {
  EXPECT_EQ(r.status, status) << r.body.dump();
  const Json& e = r.body.value("error", Json());
  EXPECT_TRUE(e.is_object()) << r.body.dump();
  for (const char* key : {"message", "type", "param", "code"}) {
    EXPECT_TRUE(e.contains(key)) << key << " in " << r.body.dump();
  }
  EXPECT_TRUE(e.value("message", Json()).is_string());
  return e;
}

// The `data:` payloads of an event stream, in order; every event must be `data: ...\n\n`.
std::vector<std::string> sse_payloads(const std::string& stream) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < stream.size()) {
    const size_t end = stream.find("\n\n", at);
    EXPECT_NE(end, std::string::npos) << "unterminated event: " << stream.substr(at);
    if (end == std::string::npos) break;
    const std::string event = stream.substr(at, end - at);
    EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
    out.push_back(event.substr(6));
    at = end + 2;
  }
  return out;
}

std::string stream_body(const ServeProcess& server, const Json& body, std::string* content_type) {
  httplib::Client client("127.0.0.1", server.port());
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  std::string received;
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    received.append(data, size);
    return true;
  };
  const httplib::Result r = client.send(req);
  EXPECT_TRUE(r);
  if (r) {
    EXPECT_EQ(r->status, 200);
    *content_type = r->get_header_value("Content-Type");
  }
  return received;
}

class ServeHttp : public ::testing::Test {
 protected:
  TempDir dir;
  const std::filesystem::path model = testing::make_serve_model(dir);

  std::vector<std::string> args(std::vector<std::string> extra) const {
    std::vector<std::string> a{"--model", model.string(), "--served-model-name",
                               "tiny",    "--dtype",      "fp32"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST_F(ServeHttp, HealthModelsAndAChatCompletion) {
  ServeProcess server(dir, args({}));
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(request(server, "GET", "/health").status, 200);
  const Reply models = request(server, "GET", "/v1/models");
  EXPECT_EQ(models.status, 200);
  EXPECT_EQ(models.body["object"], "list");
  EXPECT_EQ(models.body["data"][0]["id"], "tiny");
  EXPECT_EQ(models.body["data"][0]["max_model_len"], testing::kServeTinyContext);
  EXPECT_EQ(request(server, "GET", "/v1/models/tiny").body["id"], "tiny");

  const Reply chat = post(server, "/v1/chat/completions", kGreedyChat);
  ASSERT_EQ(chat.status, 200) << chat.body.dump();
  EXPECT_EQ(chat.headers.find("Content-Type")->second, "application/json");
  const Json& c = chat.body;
  EXPECT_EQ(c["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["model"], "tiny");
  EXPECT_TRUE(c["created"].is_number_integer());
  EXPECT_EQ(c["choices"][0]["index"], 0);
  EXPECT_EQ(c["choices"][0]["message"]["role"], "assistant");
  EXPECT_TRUE(c["choices"][0]["message"]["content"].is_string());
  const std::string finish = c["choices"][0]["finish_reason"];
  EXPECT_TRUE(finish == "stop" || finish == "length") << finish;
  const Json& u = c["usage"];
  EXPECT_GT(u["prompt_tokens"].get<int>(), 0);
  EXPECT_LE(u["completion_tokens"].get<int>(), 12);
  EXPECT_EQ(u["total_tokens"], u["prompt_tokens"].get<int>() + u["completion_tokens"].get<int>());
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(ServeHttp, StreamIsServerSentEventsOfTheSameAnswer) {
  ServeProcess server(dir, args({}));
  const Reply plain = post(server, "/v1/chat/completions", kGreedyChat);
  ASSERT_EQ(plain.status, 200);
  Json body = kGreedyChat;
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  std::string content_type;
  const std::vector<std::string> events = sse_payloads(stream_body(server, body, &content_type));
  EXPECT_EQ(content_type, "text/event-stream");
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::vector<Json> chunks;
  for (size_t i = 0; i + 1 < events.size(); ++i) chunks.push_back(Json::parse(events[i]));
  EXPECT_EQ(chunks.front()["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  for (size_t i = 0; i + 2 < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i]["object"], "chat.completion.chunk");
    EXPECT_TRUE(chunks[i]["choices"][0]["finish_reason"].is_null());
    EXPECT_TRUE(chunks[i]["usage"].is_null());
    text += chunks[i]["choices"][0]["delta"]["content"].get<std::string>();
  }
  const Json& finish = chunks[chunks.size() - 2];
  EXPECT_EQ(finish["choices"][0]["finish_reason"], plain.body["choices"][0]["finish_reason"]);
  EXPECT_EQ(text, plain.body["choices"][0]["message"]["content"]);
  EXPECT_EQ(chunks.back()["choices"], Json::array());
  const Json& usage = chunks.back()["usage"];
  for (const char* count : {"prompt_tokens", "completion_tokens", "total_tokens"}) {
    EXPECT_EQ(usage[count], plain.body["usage"][count]) << count;
  }
  // The same prompt a second time: all but its last token come from the first request's cache.
  EXPECT_EQ(usage["prompt_tokens_details"]["cached_tokens"],
            plain.body["usage"]["prompt_tokens"].get<int64_t>() - 1);
  EXPECT_EQ(plain.body["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
}

TEST_F(ServeHttp, CompletionsStopAtAStopString) {
  ServeProcess server(dir, args({}));
  const Json base = {
      {"model", "tiny"}, {"prompt", "Once upon a time"}, {"temperature", 0}, {"max_tokens", 24}};
  const Reply free = post(server, "/v1/completions", base);
  ASSERT_EQ(free.status, 200) << free.body.dump();
  EXPECT_EQ(free.body["object"], "text_completion");
  EXPECT_EQ(free.body["id"].get<std::string>().rfind("cmpl-", 0), 0u);
  const std::string text = free.body["choices"][0]["text"];
  ASSERT_GE(text.size(), 8u) << "the tiny model's answer is too short to cut";
  // A stop string from the middle of the answer: the text ends just before its first occurrence.
  const std::string stop = text.substr(text.size() / 2, 2);
  Json cut = base;
  cut["stop"] = {stop};
  const Reply stopped = post(server, "/v1/completions", cut);
  ASSERT_EQ(stopped.status, 200);
  EXPECT_EQ(stopped.body["choices"][0]["text"], text.substr(0, text.find(stop)));
  EXPECT_EQ(stopped.body["choices"][0]["finish_reason"], "stop");
  // Without max_tokens a completion gets OpenAI's default of 16.
  Json no_limit = base;
  no_limit.erase("max_tokens");
  EXPECT_LE(post(server, "/v1/completions", no_limit).body["usage"]["completion_tokens"], 16);
}

TEST_F(ServeHttp, ErrorsHaveOpenAisShapeAndStatus) {
  ServeProcess server(dir, args({"--api-key", "secret"}));
  const std::string chat = "/v1/chat/completions";
  EXPECT_EQ(request(server, "GET", "/health").status, 200);  // open without the key

  Json e = error_of(post(server, chat, kGreedyChat), 401);
  EXPECT_EQ(e["code"], "invalid_api_key");
  e = error_of(post(server, chat, kGreedyChat, "wrong"), 401);
  EXPECT_EQ(e["code"], "invalid_api_key");
  error_of(request(server, "GET", "/v1/models"), 401);

  e = error_of(request(server, "POST", chat, "{\"model\": \"tiny\", ", "secret"), 400);
  EXPECT_EQ(e["type"], "invalid_request_error");

  Json bad = kGreedyChat;
  bad["top_p"] = 3;
  e = error_of(post(server, chat, bad, "secret"), 400);
  EXPECT_EQ(e["param"], "top_p");
  EXPECT_NE(e["message"].get<std::string>().find("top_p"), std::string::npos);

  e = error_of(post(server, "/v1/embeddings", kGreedyChat, "secret"), 404);
  EXPECT_NE(e["message"].get<std::string>().find("/v1/embeddings"), std::string::npos);

  Json other = kGreedyChat;
  other["model"] = "gpt-4o";
  e = error_of(post(server, chat, other, "secret"), 404);
  EXPECT_EQ(e["code"], "model_not_found");
  EXPECT_EQ(e["param"], "model");
  error_of(request(server, "GET", "/v1/models/gpt-4o", "", "secret"), 404);

  const Reply get = request(server, "GET", chat, "", "secret");
  error_of(get, 405);
  EXPECT_EQ(get.headers.find("Allow")->second, "POST");
  error_of(request(server, "DELETE", "/v1/models", "", "secret"), 405);

  std::string long_prompt;
  for (int i = 0; i < testing::kServeTinyContext; ++i) long_prompt += "hello ";
  Json too_long = kGreedyChat;
  too_long["messages"][0]["content"] = long_prompt;
  e = error_of(post(server, chat, too_long, "secret"), 400);
  EXPECT_EQ(e["code"], "context_length_exceeded");
  EXPECT_NE(e["message"].get<std::string>().find(std::to_string(testing::kServeTinyContext)),
            std::string::npos);

  EXPECT_EQ(post(server, chat, kGreedyChat, "secret").status, 200);  // still serving
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(ServeHttp, APortInUseIsAnError) {
  ServeProcess server(dir, args({}));
  const testing::CliResult second = testing::run_longalign(testing::shell_words(
      {"serve", "--model", model.string(), "--port", std::to_string(server.port())}));
  EXPECT_EQ(second.code, 1);
  EXPECT_TRUE(testing::contains(second.err, "cannot listen")) << second.err;
}

TEST_F(ServeHttp, MaxLengthCutsLongPromptsFromTheMiddle) {
  ServeProcess server(dir, args({"--max-length", "64"}));
  std::string long_prompt;
  for (int i = 0; i < testing::kServeTinyContext; ++i) long_prompt += "hello ";
  Json body = kGreedyChat;
  body["messages"][0]["content"] = long_prompt;
  const Reply r = post(server, "/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["usage"]["prompt_tokens"], 64);
}

size_t count_events(const std::string& stream) {
  size_t n = 0;
  for (size_t at = stream.find("data: "); at != std::string::npos;
       at = stream.find("data: ", at + 1)) {
    ++n;
  }
  return n;
}

// A streamed request that the client holds open, reads until its first content, and then drops.
class HeldStream {
 public:
  HeldStream(const ServeProcess& server, const Json& body) {
    thread_ = std::thread([this, port = server.port(), text = body.dump()] {
      httplib::Client client("127.0.0.1", port);
      httplib::Request req;
      req.method = "POST";
      req.path = "/v1/chat/completions";
      req.body = text;
      req.set_header("Content-Type", "application/json");
      req.content_receiver = [this](const char* data, size_t size, uint64_t, uint64_t) {
        std::unique_lock lock(mutex_);
        received_.append(data, size);
        // The role chunk comes first; the second event is the first piece of text.
        if (count_events(received_) < 2) return true;
        content_ = true;
        changed_.notify_all();
        changed_.wait(lock, [this] { return dropped_; });
        return false;  // the client closes the connection
      };
      client.send(req);
    });
  }
  ~HeldStream() {
    drop();
    thread_.join();
  }

  // Waits until a content delta has arrived: the generation is running.
  bool wait_for_content() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [this] { return content_; });
  }

  void drop() {
    const std::lock_guard lock(mutex_);
    dropped_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string received_;
  bool content_ = false, dropped_ = false;
  std::thread thread_;
};

TEST_F(ServeHttp, AFullQueueIs429AndAGoneClientFreesItsSlot) {
  ServeProcess server(dir, args({"--max-running", "1", "--max-queue", "0"}));
  // The long answer runs to the end of the context unless something stops it; time it alone.
  Json long_answer = kGreedyChat;
  long_answer["max_tokens"] = testing::kServeTinyContext;
  const auto start = Clock::now();
  const Reply whole = post(server, "/v1/chat/completions", long_answer);
  const auto full_time = Clock::now() - start;
  ASSERT_EQ(whole.status, 200);
  ASSERT_EQ(whole.body["choices"][0]["finish_reason"], "length")
      << "the tiny model stopped early; pick another prompt";

  long_answer["stream"] = true;
  HeldStream held(server, long_answer);
  ASSERT_TRUE(held.wait_for_content());
  const Json e = error_of(post(server, "/v1/chat/completions", kGreedyChat), 429);
  EXPECT_EQ(e["code"], "queue_full");

  held.drop();
  const auto dropped = Clock::now();
  int status = 429;
  while (status == 429 && Clock::now() - dropped < full_time) {
    status = post(server, "/v1/chat/completions", kGreedyChat).status;
    if (status == 429) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(status, 200);
  // Accepted well before the dropped answer could have finished on its own.
  EXPECT_LT(Clock::now() - dropped, full_time / 2);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(ServeHttp, SigtermStopsCleanlyWithAStreamInFlight) {
  ServeProcess server(dir, args({}));
  Json long_answer = kGreedyChat;
  long_answer["max_tokens"] = testing::kServeTinyContext;
  long_answer["stream"] = true;
  HeldStream held(server, long_answer);
  ASSERT_TRUE(held.wait_for_content());
  const auto start = Clock::now();
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  held.drop();
}

}  // namespace
}  // namespace longalign
