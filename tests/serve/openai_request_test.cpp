// Request bodies of /v1/chat/completions and /v1/completions: what is read, what is refused, and
// that every refusal names its field.
#include "serve/openai_request.h"

#include <gtest/gtest.h>

#include <functional>

#include "serve/api_error.h"

namespace longalign::serve {
namespace {

const Json kChat =
    Json::parse(R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})");

// The ApiError `f` throws; a test failure when it throws none.
ApiError error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an ApiError";
  return ApiError(0, "", "");
}

ApiError chat_error(const Json& patch) {
  Json body = kChat;
  body.merge_patch(patch);
  return error_of([&] { parse_completion_request(body, Endpoint::chat); });
}

TEST(ServeRequest, MalformedBodiesAre400) {
  const ApiError bad = error_of([] { parse_body("{\"model\": "); });
  EXPECT_EQ(bad.status(), 400);
  EXPECT_EQ(bad.type(), "invalid_request_error");
  EXPECT_NE(std::string(bad.what()).find("not valid JSON"), std::string::npos);
  EXPECT_EQ(error_of([] { parse_body("[1, 2]"); }).status(), 400);
  EXPECT_EQ(error_of([] { parse_body(""); }).status(), 400);
  EXPECT_EQ(parse_body(R"({"a": 1})")["a"], 1);
}

TEST(ServeRequest, ChatDefaults) {
  const CompletionRequest r = parse_completion_request(kChat, Endpoint::chat);
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, data::Role::user);
  EXPECT_EQ(r.messages[0].content, "hi");
  EXPECT_EQ(r.sampling.temperature, 1.0);
  EXPECT_EQ(r.sampling.top_p, 1.0);
  EXPECT_EQ(r.sampling.top_k, 0);
  EXPECT_FALSE(r.seed);
  EXPECT_FALSE(r.max_tokens);
  EXPECT_TRUE(r.stop.empty());
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.include_usage);
}

TEST(ServeRequest, ChatReadsEverySupportedField) {
  Json body = Json::parse(R"({
    "model": "m", "temperature": 0, "top_p": 0.5, "top_k": 7, "min_p": 0.1,
    "repetition_penalty": 1.2, "seed": 42, "max_tokens": 9, "max_completion_tokens": 5,
    "stop": ["a", "bc"], "stream": true, "stream_options": {"include_usage": true}, "n": 1,
    "presence_penalty": 0, "user": "someone", "unknown_extension": [1],
    "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "one "}, {"type": "text", "text": "two"}]},
      {"role": "assistant", "content": "ok"},
      {"role": "user", "content": "three", "name": "x"}]})");
  const CompletionRequest r = parse_completion_request(body, Endpoint::chat);
  EXPECT_EQ(r.sampling.temperature, 0.0);
  EXPECT_EQ(r.sampling.top_p, 0.5);
  EXPECT_EQ(r.sampling.top_k, 7);
  EXPECT_EQ(r.sampling.min_p, 0.1);
  EXPECT_EQ(r.sampling.repetition_penalty, 1.2);
  EXPECT_EQ(r.seed, 42u);
  EXPECT_EQ(r.max_tokens, 5);  // max_completion_tokens wins
  EXPECT_EQ(r.stop, (std::vector<std::string>{"a", "bc"}));
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0].role, data::Role::system);
  EXPECT_EQ(r.messages[1].content, "one two");
  EXPECT_EQ(r.messages[2].role, data::Role::assistant);
}

TEST(ServeRequest, NullMeansNotSet) {
  Json body = kChat;
  body.merge_patch(R"({"temperature": null, "stop": null, "seed": null, "max_tokens": null})"_json);
  // merge_patch deletes null members; put them back as a client sends them.
  for (const char* key : {"temperature", "stop", "seed", "max_tokens", "stream_options"}) {
    body[key] = nullptr;
  }
  const CompletionRequest r = parse_completion_request(body, Endpoint::chat);
  EXPECT_EQ(r.sampling.temperature, 1.0);
  EXPECT_FALSE(r.seed);
  EXPECT_FALSE(r.max_tokens);
}

TEST(ServeRequest, StopAsAStringAndTopKMinusOne) {
  const CompletionRequest r = parse_completion_request(
      R"({"model": "m", "prompt": "x", "stop": "\n", "top_k": -1})"_json, Endpoint::completion);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"\n"}));
  EXPECT_EQ(r.sampling.top_k, 0);
}

TEST(ServeRequest, BadFieldsAre400NamingTheField) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {R"({"temperature": 2.5})", "temperature"},
      {R"({"temperature": "hot"})", "temperature"},
      {R"({"top_p": 0})", "top_p"},
      {R"({"top_k": -2})", "top_k"},
      {R"({"min_p": 1.5})", "min_p"},
      {R"({"repetition_penalty": 0})", "repetition_penalty"},
      {R"({"max_tokens": 0})", "max_tokens"},
      {R"({"max_completion_tokens": 2.5})", "max_completion_tokens"},
      {R"({"seed": "x"})", "seed"},
      {R"({"n": 2})", "n"},
      {R"({"stop": 3})", "stop"},
      {R"({"stop": ["a", 1]})", "stop"},
      {R"({"stop": ""})", "stop"},
      {R"({"stream": "yes"})", "stream"},
      {R"({"stream_options": {"include_usage": true}})", "stream_options"},
      {R"({"stream": true, "stream_options": {"include_usage": 1}})",
       "stream_options.include_usage"},
      {R"({"model": 3})", "model"},
      {R"({"logprobs": true})", "logprobs"},
      {R"({"frequency_penalty": 0.5})", "frequency_penalty"},
      {R"({"logit_bias": {"5": 1}})", "logit_bias"},
      {R"({"tools": [{"type": "function"}]})", "tools"},
      {R"({"response_format": {"type": "json_object"}})", "response_format"},
      {R"({"messages": []})", "messages"},
      {R"({"messages": "hi"})", "messages"},
      {R"({"messages": [7]})", "messages[0]"},
      {R"({"messages": [{"role": "tool", "content": "x"}]})", "messages[0].role"},
      {R"({"messages": [{"content": "x"}]})", "messages[0].role"},
      {R"({"messages": [{"role": "user"}]})", "messages[0].content"},
      {R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})",
       "messages[0].content[0]"},
      {R"({"messages": [{"role": "assistant", "content": "x"}]})", "messages[0].role"},
      {R"({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})",
       "messages[1].role"},
      {R"({"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "b"}]})",
       "messages[1].role"},
      {R"({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})",
       "messages"},
      {R"({"messages": [{"role": "system", "content": "a"}]})", "messages"},
  };
  for (const auto& [patch, param] : cases) {
    const ApiError e = chat_error(Json::parse(patch));
    EXPECT_EQ(e.status(), 400) << patch;
    EXPECT_EQ(e.param(), param) << patch;
    EXPECT_EQ(std::string(e.what()).rfind(param, 0), 0u) << patch << ": " << e.what();
  }
}

TEST(ServeRequest, MissingModelOrMessagesAreNamed) {
  EXPECT_EQ(error_of([] {
              parse_completion_request(R"({"messages": []})"_json, Endpoint::chat);
            }).param(),
            "model");
  EXPECT_EQ(
      error_of([] { parse_completion_request(R"({"model": "m"})"_json, Endpoint::chat); }).param(),
      "messages");
}

TEST(ServeRequest, CompletionPrompt) {
  EXPECT_EQ(
      parse_completion_request(R"({"model": "m", "prompt": "abc"})"_json, Endpoint::completion)
          .prompt,
      "abc");
  EXPECT_EQ(
      parse_completion_request(R"({"model": "m", "prompt": ["abc"]})"_json, Endpoint::completion)
          .prompt,
      "abc");
  for (const char* body : {R"({"model": "m"})", R"({"model": "m", "prompt": ["a", "b"]})",
                           R"({"model": "m", "prompt": [1, 2]})"}) {
    const ApiError e =
        error_of([&] { parse_completion_request(Json::parse(body), Endpoint::completion); });
    EXPECT_EQ(e.param(), "prompt") << body;
  }
}

TEST(ServeRequest, ErrorBodyHasOpenAisShape) {
  const Json body = invalid_field("top_p", "must be in (0, 1]").body();
  EXPECT_EQ(body, Json::parse(R"({"error": {"message": "top_p: must be in (0, 1]",
      "type": "invalid_request_error", "param": "top_p", "code": null}})"));
  const Json coded = ApiError(429, "busy", "rate_limit_error", "", "queue_full").body();
  EXPECT_TRUE(coded["error"]["param"].is_null());
  EXPECT_EQ(coded["error"]["code"], "queue_full");
}

}  // namespace
}  // namespace longalign::serve
