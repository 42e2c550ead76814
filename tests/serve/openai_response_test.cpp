// Response bodies and streamed chunks in OpenAI's shapes, and their Server-Sent Events framing.
#include "serve/openai_response.h"

#include <gtest/gtest.h>

#include "serve/sse.h"

namespace longalign::serve {
namespace {

infer::GenerationResult result_of(std::string text, infer::FinishReason finish) {
  infer::GenerationResult r;
  r.text = std::move(text);
  r.finish = finish;
  r.prompt_tokens = 11;
  r.completion_tokens = 4;
  return r;
}

ResponseHead head(Endpoint endpoint) {
  return {endpoint, "id-1", 1700000000, "tiny"};
}

TEST(ServeResponse, HeadsHaveFreshPrefixedIds) {
  const ResponseHead a = new_response_head(Endpoint::chat, "tiny");
  const ResponseHead b = new_response_head(Endpoint::chat, "tiny");
  EXPECT_EQ(a.id.rfind("chatcmpl-", 0), 0u);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(new_response_head(Endpoint::completion, "tiny").id.rfind("cmpl-", 0), 0u);
  EXPECT_GT(a.created, 1700000000);
  EXPECT_EQ(a.model, "tiny");
}

TEST(ServeResponse, ChatCompletion) {
  const Json j =
      completion_json(head(Endpoint::chat), result_of("Hello", infer::FinishReason::length));
  EXPECT_EQ(j, Json::parse(R"({"id": "id-1", "object": "chat.completion", "created": 1700000000,
      "model": "tiny", "choices": [{"index": 0, "message": {"role": "assistant",
      "content": "Hello"}, "logprobs": null, "finish_reason": "length"}],
      "usage": {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15,
                "prompt_tokens_details": {"cached_tokens": 0}}})"));
}

TEST(ServeResponse, TextCompletion) {
  const Json j =
      completion_json(head(Endpoint::completion), result_of("abc", infer::FinishReason::stop));
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["text"], "abc");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_FALSE(j["choices"][0].contains("message"));
  EXPECT_EQ(j["usage"]["total_tokens"], 15);
}

TEST(ServeResponse, ChatChunks) {
  const ResponseHead h = head(Endpoint::chat);
  const Json role = role_chunk(h, false);
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["choices"][0]["delta"], Json::parse(R"({"role": "assistant", "content": ""})"));
  EXPECT_TRUE(role["choices"][0]["finish_reason"].is_null());
  EXPECT_FALSE(role.contains("usage"));
  const Json text = text_chunk(h, "He", true);
  EXPECT_EQ(text["choices"][0]["delta"], Json::parse(R"({"content": "He"})"));
  EXPECT_TRUE(text.contains("usage"));
  EXPECT_TRUE(text["usage"].is_null());
  const Json finish = finish_chunk(h, infer::FinishReason::stop, false);
  EXPECT_EQ(finish["choices"][0]["delta"], Json::object());
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "stop");
  const Json usage = usage_chunk(h, result_of("x", infer::FinishReason::stop));
  EXPECT_EQ(usage["choices"], Json::array());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 11);
  EXPECT_EQ(usage["id"], "id-1");
}

TEST(ServeResponse, CompletionChunks) {
  const ResponseHead h = head(Endpoint::completion);
  const Json text = text_chunk(h, "ab", false);
  EXPECT_EQ(text["object"], "text_completion");
  EXPECT_EQ(text["choices"][0]["text"], "ab");
  EXPECT_EQ(finish_chunk(h, infer::FinishReason::length, false)["choices"][0]["finish_reason"],
            "length");
}

TEST(ServeResponse, Models) {
  const Json list = model_list_json("tiny", 5, 256);
  EXPECT_EQ(list["object"], "list");
  ASSERT_EQ(list["data"].size(), 1u);
  EXPECT_EQ(list["data"][0], model_json("tiny", 5, 256));
  EXPECT_EQ(list["data"][0]["id"], "tiny");
  EXPECT_EQ(list["data"][0]["object"], "model");
  EXPECT_EQ(list["data"][0]["max_model_len"], 256);
}

TEST(ServeSse, EventsAreOneLineEach) {
  EXPECT_EQ(sse_event(Json{{"a", "x\ny"}}), "data: {\"a\":\"x\\ny\"}\n\n");
  EXPECT_EQ(sse_done(), "data: [DONE]\n\n");
}

TEST(ServeSse, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(sse_event(Json{{"a", std::string("ok\xe4")}}), "data: {\"a\":\"ok\xef\xbf\xbd\"}\n\n");
}

}  // namespace
}  // namespace longalign::serve
