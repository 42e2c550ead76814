#include "serve/client_retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace longalign::serve {

namespace {

using std::chrono::milliseconds;

bool all_digits_or_point(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool is_retryable_status(long status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random) {
  const double base = static_cast<double>(policy.initial_backoff.count()) *
                      std::pow(2.0, static_cast<double>(std::max(retry, 0)));
  const double capped = std::min(base, static_cast<double>(policy.max_backoff.count()));
  return milliseconds(static_cast<long long>(capped * (1.0 - 0.25 * unit_random)));
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (all_digits_or_point(value)) {
    double seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
  }
  // curl_getdate reads the three date formats HTTP allows (RFC 1123, RFC 850, asctime).
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const auto wait = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(wait));
}

}  // namespace longalign::serve
