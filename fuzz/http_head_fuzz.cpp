// libFuzzer target for the server's request-head reader (serve/connection_stream.h): the bytes a
// client sends, up to the end of each request's head, held to the head limits before cpp-httplib
// parses them.
//
// The first byte picks the mode:
//   0x00-0x7F  raw: the rest is what the client sends.
//   0x80-0xFF  structured: requests assembled from request lines, header lines short and long,
//              "\r\n" and bare "\n" line ends, blank lines before a request, Content-Length
//              headers (in any case, with odd values) and bodies, one after another.
// The bytes go through a real socket pair. Each head the reader completes is then read through,
// body included, as httplib would, and the next one is read. Every answer must equal an
// independent reading of the rules (limits small here, so that every limit is reached): where the
// first empty line ends the head, which limit a byte of it breaks first, and the body length the
// last valid Content-Length gives.
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>

#include "fuzz_support.h"
#include "serve/connection_stream.h"

namespace {

using longalign::fuzz::finding;
using longalign::serve::ConnectionStream;
using longalign::serve::HeadLimits;
using longalign::serve::HeadStatus;

constexpr HeadLimits kLimits{.max_bytes = 600, .max_header_lines = 6, .max_line_bytes = 96};
constexpr ConnectionStream::Millis kWait{2000};

struct Expected {
  HeadStatus status;
  size_t head_start = 0;   // after the empty lines skipped
  size_t request_end = 0;  // head and body, when complete
};

std::optional<uint64_t> content_length(const std::string& line) {
  static const std::regex header(R"(^content-length:[ \t]*([0-9]+))", std::regex::icase);
  std::smatch m;
  if (!std::regex_search(line, m, header)) return std::nullopt;
  uint64_t value = 0;
  const std::string digits = m[1].str();
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc()) return std::nullopt;
  return value;
}

// The rules, read over the whole input at once: after empty lines, the head runs to its first
// empty line. Each limit breaks at one byte: the total at byte max_bytes of the head, a line at
// its byte max_line_bytes - 1 (it could no longer end within the limit), the header count at the
// "\n" of one line too many. The first broken wins; at one byte, the total is checked first.
Expected reference(const std::string& bytes, size_t from) {
  size_t p = from;
  for (;;) {
    if (bytes.compare(p, 1, "\n") == 0) {
      p += 1;
    } else if (bytes.compare(p, 2, "\r\n") == 0) {
      p += 2;
    } else {
      break;
    }
  }
  Expected e{HeadStatus::closed, p};
  size_t first_break = SIZE_MAX;
  const auto breaks = [&](size_t at, HeadStatus status) {
    if (at < first_break) {
      first_break = at;
      e.status = status;
    }
  };
  if (bytes.size() - p > kLimits.max_bytes) breaks(p + kLimits.max_bytes, HeadStatus::too_large);
  uint64_t body = 0;
  size_t lines = 0;
  for (size_t start = p; start < bytes.size() && start < first_break;) {
    const size_t nl = bytes.find('\n', start);
    const size_t content = (nl == std::string::npos ? bytes.size() : nl) - start;
    if (content >= kLimits.max_line_bytes) {
      breaks(start + kLimits.max_line_bytes - 1,
             lines == 0 ? HeadStatus::request_line_too_long : HeadStatus::header_too_long);
    }
    if (nl == std::string::npos) break;
    const std::string line = bytes.substr(start, content);
    if (line.empty() || line == "\r") {
      if (nl < first_break) {
        e.status = HeadStatus::complete;
        e.request_end = nl + 1 + body;
        return e;
      }
      break;
    }
    if (++lines > kLimits.max_header_lines + 1) breaks(nl, HeadStatus::too_many_headers);
    if (lines > 1) body = content_length(line).value_or(body);
    start = nl + 1;
  }
  return e;
}

std::string structured_requests(FuzzedDataProvider& in) {
  static const char* const kPieces[] = {"GET /health HTTP/1.1",
                                        "POST /v1/chat/completions HTTP/1.1",
                                        "Host: x",
                                        "Content-Length: ",
                                        "content-LENGTH:\t",
                                        "Content-Length: 18446744073709551616",
                                        "Content-Length: -3",
                                        "Connection: close",
                                        "X-Pad: ",
                                        "\r\n",
                                        "\n",
                                        "\r",
                                        "\r\n\r\n",
                                        ": ",
                                        "0",
                                        "5",
                                        "12"};
  std::string out;
  const int n = in.ConsumeIntegralInRange(0, 40);
  for (int i = 0; i < n; ++i) {
    switch (in.ConsumeIntegralInRange(0, 7)) {
      case 0:
        out += std::string(in.ConsumeIntegralInRange<size_t>(0, 200), 'a');
        break;
      case 1:
        out += in.ConsumeRandomLengthString(16);
        break;
      default:
        out += kPieces[in.ConsumeIntegralInRange<size_t>(0, std::size(kPieces) - 1)];
    }
  }
  return out;
}

bool send_all(int fd, const std::string& bytes) {
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads `n` bytes through the stream in uneven pieces, as httplib's line reader and body reader
// do; fewer at the end of the input.
size_t read_through(ConnectionStream& stream, uint64_t n) {
  static constexpr size_t kPieceSizes[] = {1, 7, 4096, 3};
  char buffer[4096];
  uint64_t done = 0;
  for (size_t i = 0; done < n; ++i) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(n - done, kPieceSizes[i % std::size(kPieceSizes)]));
    const ssize_t got = stream.read(buffer, want);
    if (got <= 0) break;
    done += static_cast<uint64_t>(got);
  }
  return static_cast<size_t>(done);
}

void check(const std::string& bytes) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) finding("socketpair failed");
  const int buffer_bytes = 1 << 20;
  setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  if (!send_all(fds[0], bytes)) finding("the input did not fit the socket's buffer");
  shutdown(fds[0], SHUT_WR);
  {
    ConnectionStream stream(fds[1], kWait, kWait);
    size_t at = 0;
    for (;;) {
      const Expected e = reference(bytes, at);
      const HeadStatus got = stream.read_head(kLimits, kWait, kWait, [] { return true; });
      if (got != e.status)
        finding("head status differs from the rules at byte " + std::to_string(at));
      if (got != HeadStatus::complete) break;
      const size_t want = e.request_end - e.head_start;
      const size_t read = read_through(stream, want - (want > 0 ? 1 : 0));
      if (want > 0 && stream.request_consumed()) finding("consumed one byte early");
      const size_t last = read_through(stream, want - read);
      if (stream.request_consumed() != (read + last == want)) {
        finding("request_consumed() disagrees with the bytes read");
      }
      if (read + last != want) break;
      at = e.request_end;
    }
  }
  close(fds[0]);
  close(fds[1]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 65536) return 0;
  if (data[0] < 0x80) {
    check(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    FuzzedDataProvider in(data + 1, size - 1);
    check(structured_requests(in));
  }
  return 0;
}
