// The OpenAI client against a scripted local server: replies, streams, every retry path, error
// bodies, the concurrency limit and the usage totals.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/json.h"
#include "scripted_server.h"
#include "serve/openai_client.h"

namespace longalign::serve {
namespace {

using testing::ScriptedServer;
using namespace std::chrono_literals;

Json completion(const std::string& text, int prompt_tokens = 5, int completion_tokens = 2) {
  return testing::chat_completion_body(text, prompt_tokens, completion_tokens);
}

void reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void reply_ok(httplib::Response& res, const std::string& text = "ok") {
  reply(res, 200, completion(text));
}

// Fast retries, so the tests spend their time only where they mean to.
ClientOptions options_for(const std::string& base_url) {
  ClientOptions o;
  o.base_url = base_url;
  o.model = "test-model";
  o.api_key_env = "LONGALIGN_CLIENT_TEST_KEY";
  o.total_timeout = 5s;
  o.retry.max_retries = 3;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 5ms;
  return o;
}

ChatRequest ask(const std::string& content) {
  ChatRequest r;
  r.messages = {{"user", content}};
  return r;
}

// Runs `f`, which must throw ClientError, and returns it.
ClientError client_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ClientError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ClientError";
  return ClientError("none", {}, 0);
}

TEST(OpenAiClient, FixedReplyAndTheRequestItSent) {
  setenv("LONGALIGN_CLIENT_TEST_KEY", "sk-test", 1);
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    reply(res, 200, completion("Hello there", 11, 3));
  });
  OpenAiClient client(options_for(server.base_url()));
  ChatRequest request;
  request.messages = {{"system", "Be brief."}, {"user", "Hi"}};
  request.temperature = 0.5;
  request.top_p = 0.9;
  request.max_tokens = 7;
  request.stop = {"\n\n"};
  request.seed = 42;
  const ChatResult result = client.chat(request);
  unsetenv("LONGALIGN_CLIENT_TEST_KEY");

  EXPECT_EQ(result.text, "Hello there");
  EXPECT_EQ(result.finish_reason, "stop");
  EXPECT_EQ(result.usage.prompt_tokens, 11);
  EXPECT_EQ(result.usage.completion_tokens, 3);
  ASSERT_EQ(server.calls(), 1);
  const httplib::Request sent = server.requests()[0];
  EXPECT_EQ(sent.get_header_value("Authorization"), "Bearer sk-test");
  const Json body = Json::parse(sent.body);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "Hi");
  EXPECT_EQ(body["temperature"], 0.5);
  EXPECT_EQ(body["top_p"], 0.9);
  EXPECT_EQ(body["max_tokens"], 7);
  EXPECT_EQ(body["stop"], Json::array({"\n\n"}));
  EXPECT_EQ(body["seed"], 42);
  EXPECT_FALSE(body.contains("stream"));
}

TEST(OpenAiClient, NoKeyNoAuthorizationHeader) {
  ScriptedServer server(
      [](int, const httplib::Request&, httplib::Response& res) { reply_ok(res); });
  OpenAiClient client(options_for(server.base_url()));
  client.chat(ask("Hi"));
  EXPECT_FALSE(server.requests()[0].has_header("Authorization"));
}

TEST(OpenAiClient, InvalidUtf8InAPromptIsReplaced) {
  ScriptedServer server(
      [](int, const httplib::Request&, httplib::Response& res) { reply_ok(res); });
  OpenAiClient client(options_for(server.base_url()));
  client.chat(
      ask("a\xff"
          "b"));
  EXPECT_EQ(Json::parse(server.requests()[0].body)["messages"][0]["content"],
            "a\uFFFD"
            "b");
}

// Sends `text` in 5-byte pieces, so events and lines arrive split.
void stream_in_pieces(httplib::Response& res, std::string text) {
  res.set_chunked_content_provider("text/event-stream", [text](size_t, httplib::DataSink& sink) {
    for (size_t i = 0; i < text.size(); i += 5) {
      const std::string piece = text.substr(i, 5);
      if (!sink.write(piece.data(), piece.size())) return false;
    }
    sink.done();
    return true;
  });
}

std::string sse_event(const Json& chunk) {
  return "data: " + chunk.dump() + "\n\n";
}

Json delta_chunk(const Json& delta, const Json& finish_reason = nullptr) {
  return {{"object", "chat.completion.chunk"},
          {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}}}}};
}

TEST(OpenAiClient, StreamConcatenatesDeltasAndReportsEachOne) {
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    stream_in_pieces(res,
                     sse_event(delta_chunk({{"role", "assistant"}})) + ": keep-alive comment\n\n" +
                         sse_event(delta_chunk({{"content", "Hel"}})) +
                         sse_event(delta_chunk({{"content", "lo"}})) +
                         sse_event(delta_chunk({{"content", " world"}})) +
                         sse_event(delta_chunk(Json::object(), "length")) +
                         sse_event({{"choices", Json::array()},
                                    {"usage", {{"prompt_tokens", 4}, {"completion_tokens", 3}}}}) +
                         "data: [DONE]\n\n");
  });
  OpenAiClient client(options_for(server.base_url()));
  ChatRequest request = ask("Hi");
  request.stream = true;
  std::vector<std::string> deltas;
  const ChatResult result =
      client.chat(request, [&](std::string_view d) { deltas.emplace_back(d); });
  EXPECT_EQ(deltas, (std::vector<std::string>{"Hel", "lo", " world"}));
  EXPECT_EQ(result.text, "Hello world");
  EXPECT_EQ(result.finish_reason, "length");
  EXPECT_EQ(result.usage.prompt_tokens, 4);
  EXPECT_EQ(result.usage.completion_tokens, 3);
  const Json body = Json::parse(server.requests()[0].body);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
}

TEST(OpenAiClient, ErrorEventInAStreamIsReported) {
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    stream_in_pieces(res, sse_event({{"error", {{"message", "engine overloaded"}}}}));
  });
  OpenAiClient client(options_for(server.base_url()));
  ChatRequest request = ask("Hi");
  request.stream = true;
  const ClientError e = client_error_of([&] { client.chat(request); });
  EXPECT_EQ(e.message(), "engine overloaded");
  EXPECT_EQ(server.calls(), 1);
}

TEST(OpenAiClient, StreamCutAfterADeltaIsNotRetried) {
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    const std::string first = sse_event(delta_chunk({{"content", "Hel"}}));
    res.set_chunked_content_provider(
        "text/event-stream", [first](size_t offset, httplib::DataSink& sink) {
          if (offset > 0) return false;  // the connection drops after the first event
          return sink.write(first.data(), first.size());
        });
  });
  OpenAiClient client(options_for(server.base_url()));
  ChatRequest request = ask("Hi");
  request.stream = true;
  std::string seen;
  const ClientError e =
      client_error_of([&] { client.chat(request, [&](std::string_view d) { seen += d; }); });
  EXPECT_EQ(seen, "Hel");
  EXPECT_EQ(e.status(), 0);
  EXPECT_EQ(e.attempts(), 1);
  EXPECT_EQ(server.calls(), 1);
}

TEST(OpenAiClient, SlowReplyTimesOutAndIsRetried) {
  ScriptedServer* self = nullptr;
  ScriptedServer server([&self](int, const httplib::Request&, httplib::Response& res) {
    self->pause(10s);
    reply_ok(res);
  });
  self = &server;
  ClientOptions options = options_for(server.base_url());
  options.total_timeout = 200ms;
  options.retry.max_retries = 1;
  OpenAiClient client(options);
  const auto start = std::chrono::steady_clock::now();
  const ClientError e = client_error_of([&] { client.chat(ask("Hi")); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(e.status(), 0);
  EXPECT_EQ(e.attempts(), 2);
  EXPECT_EQ(server.calls(), 2);
  EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
}

TEST(OpenAiClient, RetryAfterIsHonoured) {
  ScriptedServer server([](int call, const httplib::Request&, httplib::Response& res) {
    if (call == 0) {
      res.set_header("Retry-After", "1");
      reply(res, 429, {{"error", {{"message", "slow down"}, {"type", "rate_limit_error"}}}});
    } else {
      reply_ok(res, "after the wait");
    }
  });
  OpenAiClient client(options_for(server.base_url()));
  EXPECT_EQ(client.chat(ask("Hi")).text, "after the wait");
  ASSERT_EQ(server.calls(), 2);
  const auto arrivals = server.arrivals();
  // The backoff alone would be 1 ms; the server asked for a second.
  EXPECT_GE(arrivals[1] - arrivals[0], 950ms);
}

TEST(OpenAiClient, ServerErrorsThenSuccess) {
  ScriptedServer server([](int call, const httplib::Request&, httplib::Response& res) {
    if (call == 0)
      reply(res, 500, {{"error", {{"message", "boom"}}}});
    else if (call == 1)
      reply(res, 503, {{"detail", "loading"}});
    else
      reply_ok(res, "third time");
  });
  OpenAiClient client(options_for(server.base_url()));
  EXPECT_EQ(client.chat(ask("Hi")).text, "third time");
  EXPECT_EQ(server.calls(), 3);
}

TEST(OpenAiClient, GivesUpAfterTheLastRetry) {
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    reply(res, 502, {{"message", "bad gateway"}});
  });
  OpenAiClient client(options_for(server.base_url()));
  const ClientError e = client_error_of([&] { client.chat(ask("Hi")); });
  EXPECT_EQ(e.status(), 502);
  EXPECT_EQ(e.message(), "bad gateway");
  EXPECT_EQ(e.attempts(), 4);
  EXPECT_EQ(server.calls(), 4);
}

TEST(OpenAiClient, ContextLengthErrorIsNotRetried) {
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    reply(res, 400,
          {{"error",
            {{"message",
              "This model's maximum context length is 4096 tokens. However, you "
              "requested 9000 tokens."},
             {"type", "invalid_request_error"},
             {"param", "messages"},
             {"code", "context_length_exceeded"}}}});
  });
  OpenAiClient client(options_for(server.base_url()));
  const ClientError e = client_error_of([&] { client.chat(ask("a very long prompt")); });
  EXPECT_EQ(server.calls(), 1);
  EXPECT_EQ(e.attempts(), 1);
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "context_length_exceeded");
  EXPECT_EQ(e.type(), "invalid_request_error");
  EXPECT_TRUE(e.is_context_length());
  EXPECT_NE(std::string(e.what()).find("HTTP 400 (context_length_exceeded)"), std::string::npos)
      << e.what();
}

TEST(OpenAiClient, FlatAndNestedErrorBodiesAreNotRetried) {
  ScriptedServer server([](int call, const httplib::Request&, httplib::Response& res) {
    if (call == 0) reply(res, 404, {{"message", "no such model"}, {"code", "model_not_found"}});
    if (call == 1) reply(res, 422, {{"detail", "messages: field required"}});
    if (call == 2) reply(res, 401, {{"error", "invalid API key"}});
  });
  OpenAiClient client(options_for(server.base_url()));
  const ClientError flat = client_error_of([&] { client.chat(ask("Hi")); });
  EXPECT_EQ(flat.status(), 404);
  EXPECT_EQ(flat.message(), "no such model");
  EXPECT_EQ(flat.code(), "model_not_found");
  EXPECT_FALSE(flat.is_context_length());
  EXPECT_EQ(client_error_of([&] { client.chat(ask("Hi")); }).message(), "messages: field required");
  EXPECT_EQ(client_error_of([&] { client.chat(ask("Hi")); }).message(), "invalid API key");
  EXPECT_EQ(server.calls(), 3);
}

TEST(OpenAiClient, MalformedJsonIsAnError) {
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"choices\": [", "application/json");
  });
  OpenAiClient client(options_for(server.base_url()));
  const ClientError e = client_error_of([&] { client.chat(ask("Hi")); });
  EXPECT_EQ(e.status(), 200);
  EXPECT_NE(e.message().find("malformed"), std::string::npos) << e.message();
  EXPECT_EQ(server.calls(), 1);
}

TEST(OpenAiClient, DroppedConnectionIsRetried) {
  ScriptedServer server([](int call, const httplib::Request&, httplib::Response& res) {
    if (call == 0) {
      res.set_chunked_content_provider("application/json",
                                       [](size_t, httplib::DataSink&) { return false; });
    } else {
      reply_ok(res, "reconnected");
    }
  });
  OpenAiClient client(options_for(server.base_url()));
  EXPECT_EQ(client.chat(ask("Hi")).text, "reconnected");
  EXPECT_EQ(server.calls(), 2);
}

// A port nothing listens on: bound, read, then closed.
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(OpenAiClient, ConnectionRefusedIsRetriedThenReported) {
  ClientOptions options = options_for("http://127.0.0.1:" + std::to_string(closed_port()) + "/v1/");
  options.retry.max_retries = 2;
  OpenAiClient client(options);
  const ClientError e = client_error_of([&] { client.chat(ask("Hi")); });
  EXPECT_EQ(e.status(), 0);
  EXPECT_EQ(e.attempts(), 3);
  EXPECT_NE(std::string(e.what()).find("/v1/chat/completions: no response"), std::string::npos)
      << e.what();
}

TEST(OpenAiClient, ConcurrencyLimitAndUsageTotalsAcrossThreads) {
  ScriptedServer* self = nullptr;
  ScriptedServer server([&self](int, const httplib::Request&, httplib::Response& res) {
    self->pause(150ms);
    reply(res, 200, completion("ok", 5, 2));
  });
  self = &server;
  ClientOptions options = options_for(server.base_url());
  options.max_concurrency = 3;
  OpenAiClient client(options);
  std::vector<std::thread> threads;
  for (int i = 0; i < 7; ++i) threads.emplace_back([&] { client.chat(ask("Hi")); });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(server.calls(), 7);
  EXPECT_LE(server.max_in_flight(), 3);
  EXPECT_GE(server.max_in_flight(), 2);  // the limit is a limit, not serialisation
  EXPECT_EQ(client.usage().prompt_tokens, 35);
  EXPECT_EQ(client.usage().completion_tokens, 14);
}

TEST(OpenAiClient, RejectsBadOptions) {
  ClientOptions options;
  EXPECT_THROW(OpenAiClient{options}, Error);  // no model
  options.model = "m";
  options.max_concurrency = 0;
  EXPECT_THROW(OpenAiClient{options}, Error);
}

}  // namespace
}  // namespace longalign::serve
