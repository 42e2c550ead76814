// When the OpenAI client tries a request again, and how long it waits first: exponential backoff
// with jitter, or the server's own Retry-After.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace longalign::serve {

struct RetryPolicy {
  int max_retries = 5;  // attempts beyond the first
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
  // A Retry-After longer than this is cut down to it, so a misconfigured server cannot park a
  // worker for an hour.
  std::chrono::milliseconds max_retry_after{60'000};
};

// 408 (request timeout), 409 (conflict: OpenAI's lock contention), 429 (rate limit) and every
// 5xx are worth another try; any other status is the request's fault and would fail again.
bool is_retryable_status(long status);

// The wait before retry number `retry` (0 for the first retry): initial_backoff * 2^retry, capped
// at max_backoff, then scaled by (1 - unit_random / 4) so clients that failed together do not
// come back together. `unit_random` is in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random);

// The wait a Retry-After header asks for: delay-seconds ("120", decimals accepted) or an HTTP
// date ("Wed, 21 Oct 2015 07:28:00 GMT") measured from `now`; a date in the past means no wait.
// nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace longalign::serve
