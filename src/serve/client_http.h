// One HTTP POST over libcurl: the transport under OpenAiClient. It reports what happened on the
// wire (status, Retry-After, or why no response came) and leaves retrying to the caller.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace longalign::serve {

struct HttpPost {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{600'000};
};

struct HttpReply {
  long status = 0;  // 0 when no complete response arrived
  bool completed = false;
  // Set when the exchange failed in a way another attempt may not: connection refused or reset,
  // a timeout, a response cut short.
  bool transient_failure = false;
  std::string failure;      // libcurl's description when !completed
  std::string retry_after;  // the Retry-After header, empty when absent
};

// Called with each piece of the response body as it arrives; the status is known by then. Return
// false to abandon the transfer. An exception thrown here is rethrown by http_post.
using BodyChunkHandler = std::function<bool(long status, std::string_view chunk)>;

HttpReply http_post(const HttpPost& post, const BodyChunkHandler& on_body);

}  // namespace longalign::serve
