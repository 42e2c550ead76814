// The OpenAI client's pieces on their own: retry timing, error bodies, the stream reader.
#include <gtest/gtest.h>

#include <ctime>

#include "serve/client_error.h"
#include "serve/client_retry.h"
#include "serve/client_stream.h"

namespace longalign::serve {
namespace {

using namespace std::chrono_literals;

TEST(OpenAiClientParts, RetryableStatuses) {
  for (const long s : {408L, 409L, 429L, 500L, 502L, 503L, 504L})
    EXPECT_TRUE(is_retryable_status(s));
  for (const long s : {400L, 401L, 403L, 404L, 413L, 422L}) EXPECT_FALSE(is_retryable_status(s));
}

TEST(OpenAiClientParts, BackoffDoublesUpToTheCapWithJitter) {
  RetryPolicy p;
  p.initial_backoff = 100ms;
  p.max_backoff = 1000ms;
  EXPECT_EQ(backoff_delay(p, 0, 0.0), 100ms);
  EXPECT_EQ(backoff_delay(p, 1, 0.0), 200ms);
  EXPECT_EQ(backoff_delay(p, 3, 0.0), 800ms);
  EXPECT_EQ(backoff_delay(p, 4, 0.0), 1000ms);
  EXPECT_EQ(backoff_delay(p, 40, 0.0), 1000ms);
  // Jitter takes off up to a quarter.
  EXPECT_EQ(backoff_delay(p, 1, 0.5), 175ms);
  EXPECT_GE(backoff_delay(p, 1, 0.999), 150ms);
}

TEST(OpenAiClientParts, RetryAfterSecondsOrHttpDate) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC
  EXPECT_EQ(parse_retry_after("120", now), 120000ms);
  EXPECT_EQ(parse_retry_after(" 1.5 ", now), 1500ms);
  EXPECT_EQ(parse_retry_after("0", now), 0ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30000ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), 0ms);  // already past
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.2.3", now), std::nullopt);
}

TEST(OpenAiClientParts, ErrorBodiesInEveryShape) {
  const ClientErrorInfo nested = error_info_from_body(
      400,
      R"({"error": {"message": "too long", "type": "invalid_request_error", "code": "context_length_exceeded"}})");
  EXPECT_EQ(nested.message, "too long");
  EXPECT_EQ(nested.type, "invalid_request_error");
  EXPECT_EQ(nested.code, "context_length_exceeded");
  const ClientErrorInfo flat = error_info_from_body(
      400, R"({"object": "error", "message": "bad", "type": "BadRequestError", "code": 400})");
  EXPECT_EQ(flat.message, "bad");
  EXPECT_EQ(flat.code, "400");
  EXPECT_EQ(error_info_from_body(422, R"({"detail": [{"loc": ["body"], "msg": "x"}]})").message,
            R"([{"loc":["body"],"msg":"x"}])");
  EXPECT_EQ(error_info_from_body(401, R"({"error": "no key"})").message, "no key");
  EXPECT_EQ(error_info_from_body(502, "<html>Bad Gateway</html>\n").message,
            "<html>Bad Gateway</html>");
  EXPECT_EQ(error_info_from_body(500, "").message, "empty response body");
  EXPECT_EQ(error_info_from_body(500, std::string(1000, 'x')).message.size(), 303u);
}

TEST(OpenAiClientParts, ContextLengthByCodeOrMessage) {
  EXPECT_TRUE(ClientError("u", {400, "x", "context_length_exceeded", ""}, 1).is_context_length());
  EXPECT_TRUE(
      ClientError("u", {400, "This model's maximum context length is 4096 tokens", "", ""}, 1)
          .is_context_length());
  EXPECT_FALSE(
      ClientError("u", {400, "temperature must be positive", "", ""}, 1).is_context_length());
  EXPECT_EQ(
      std::string(ClientError("http://h/v1/chat/completions", {429, "slow", "", ""}, 3).what()),
      "http://h/v1/chat/completions: HTTP 429: slow [3 attempts]");
}

TEST(OpenAiClientParts, StreamReaderHandlesCrLfMultiLineDataAndOtherFields) {
  std::string seen;
  const DeltaHandler on_delta = [&](std::string_view d) { seen += d; };
  ChatStreamReader reader(on_delta);
  EXPECT_TRUE(reader.feed("event: message\r\nid: 1\r\n"));
  EXPECT_TRUE(reader.feed("data: {\"choices\": [{\"delta\": {\"content\": \"a\"}}]}\r\n\r\n"));
  // One event split over two data lines: joined with a newline, it is still one JSON object.
  EXPECT_TRUE(reader.feed("data: {\"choices\": [{\"delta\":\ndata: {\"content\": \"b\"}}]}\n\n"));
  EXPECT_FALSE(reader.done());
  EXPECT_TRUE(reader.feed("data:[DONE]\n\n"));
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(seen, "ab");
  EXPECT_EQ(reader.result().text, "ab");
}

TEST(OpenAiClientParts, StreamReaderFailsOnAChunkThatIsNotJson) {
  ChatStreamReader reader({});
  EXPECT_FALSE(reader.feed("data: {oops\n\n"));
  ASSERT_TRUE(reader.failure().has_value());
  EXPECT_NE(reader.failure()->message.find("malformed stream chunk"), std::string::npos);
}

}  // namespace
}  // namespace longalign::serve
