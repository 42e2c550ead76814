// A bounded load test of `longalign serve` on loopback: C client threads for S seconds, each
// sending a mix of plain and streamed completions, streams dropped part way, slow readers,
// oversized and malformed bodies, garbage request lines, too many headers and connections held
// idle before their request, while one more thread asks /health every 100 ms. Every answer must
// be a well-formed HTTP response of an expected status (200, 400, 413, 429, 431) with an
// OpenAI-shaped body; /health must always answer 200 within --max-health-ms (1000); the server's
// RSS after the run must stay within --max-rss-growth percent (10) of its RSS after the first
// quarter (warm-up).
//
//   serve_soak --port P --pid PID [--seconds 60] [--concurrency 32] [--max-body 1048576]
//              [--max-rss-growth 10] [--max-health-ms 1000]
//
// Prints one JSON line of figures; exits 1 when any rule was broken. Run by
// tests/serve/server_soak_test.cpp for a few seconds and by bench/run_serve_soak.sh for longer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

struct Options {
  int port = 0, pid = 0, seconds = 60, concurrency = 32;
  size_t max_body = size_t{1} << 20;
  int max_rss_growth = 10;
  int max_health_ms = 1000;
};

struct Tally {
  std::mutex mutex;
  std::map<std::string, int64_t> counts;  // "<kind> <status>"
  std::vector<std::string> violations;
  void add(const std::string& kind, int status) {
    std::lock_guard lock(mutex);
    ++counts[kind + " " + std::to_string(status)];
  }
  void violation(const std::string& what) {
    std::lock_guard lock(mutex);
    if (violations.size() < 20) violations.push_back(what);
    ++counts["violations"];
  }
};

int connect_to(int port, int timeout_seconds) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{timeout_seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads until the server closes (every request says Connection: close), `limit` bytes, or a
// pause of `pause_ms` between reads of `chunk` bytes (a slow reader). False on a reset or timeout.
bool read_all(int fd, std::string& out, size_t chunk = 65536, int pause_ms = 0,
              size_t limit = SIZE_MAX) {
  std::string buffer(chunk, '\0');
  while (out.size() < limit) {
    const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n == 0) return true;
    if (n < 0) return false;
    out.append(buffer.data(), static_cast<size_t>(n));
    if (pause_ms) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
  return true;
}

std::string request(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string chat_body(bool stream, int max_tokens, const std::string& extra = "") {
  return R"({"model": "soak", "max_tokens": )" + std::to_string(max_tokens) +
         R"(, "temperature": 0.7, "stream": )" + (stream ? "true" : "false") + extra +
         R"(, "messages": [{"role": "user", "content": "Tell me a story about a lighthouse."}]})";
}

// The status of a response, or -1 when it is not one; `body` gets what follows the headers.
int parse_response(const std::string& raw, std::string& body) {
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || raw.size() < 12) return -1;
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return -1;
  body = raw.substr(end + 4);
  return std::atoi(raw.c_str() + 9);
}

// A 4xx or 429 must carry {"error": {"message": ...}}.
bool openai_error(const std::string& body) {
  const Json j = Json::parse(body, nullptr, false);
  return j.is_object() && j.contains("error") && j["error"].is_object() &&
         j["error"].contains("message");
}

void check(Tally& tally, const std::string& kind, const std::string& raw, bool read_ok,
           const std::vector<int>& allowed, bool stream) {
  std::string body;
  const int status = parse_response(raw, body);
  if (status < 0) {
    tally.violation(kind + ": no well-formed response (" + std::to_string(raw.size()) +
                    " bytes, read " + (read_ok ? "ok" : "failed") + ")");
    return;
  }
  tally.add(kind, status);
  if (std::find(allowed.begin(), allowed.end(), status) == allowed.end()) {
    tally.violation(kind + ": status " + std::to_string(status) + ": " + body.substr(0, 200));
  } else if (status != 200 && !openai_error(body)) {
    tally.violation(kind + ": status " + std::to_string(status) + " without an OpenAI error body");
  } else if (status == 200 && stream && body.find("data: [DONE]") == std::string::npos) {
    tally.violation(kind + ": a stream without [DONE]");
  } else if (status == 200 && !stream && !read_ok) {
    tally.violation(kind + ": the answer was cut short");
  }
}

void one_request(const Options& o, Tally& tally, std::mt19937& rng) {
  const int kind = static_cast<int>(rng() % 11);
  const int fd = connect_to(o.port, 30);
  if (fd < 0) {
    tally.violation("connect failed");
    return;
  }
  std::string raw;
  switch (kind) {
    case 0:
    case 1: {
      const bool sent = send_all(fd, request("/v1/chat/completions", chat_body(false, 8)));
      const bool ok = sent && read_all(fd, raw);
      check(tally, "plain", raw, ok, {200, 429}, false);
      break;
    }
    case 2: {
      const bool ok =
          send_all(fd, request("/v1/chat/completions", chat_body(true, 12))) && read_all(fd, raw);
      check(tally, "stream", raw, ok, {200, 429}, true);
      break;
    }
    case 3: {  // leaves after the first bytes of the stream
      send_all(fd, request("/v1/chat/completions", chat_body(true, 64)));
      read_all(fd, raw, 256, 0, 1);
      tally.add("dropped", raw.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(raw.c_str() + 9) : 0);
      break;
    }
    case 4: {  // reads 128 bytes every 20 ms
      const bool ok = send_all(fd, request("/v1/completions",
                                           R"({"model": "soak", "prompt": "Once", "stream": true,
                                               "max_tokens": 16})")) &&
                      read_all(fd, raw, 128, 20);
      check(tally, "slow", raw, ok, {200, 429}, true);
      break;
    }
    case 5: {  // a body past the limit: 413, read in full
      const size_t size = o.max_body + 65536 + rng() % 65536;
      std::string head =
          "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          "Connection: close\r\nContent-Length: " +
          std::to_string(size) + "\r\n\r\n";
      bool sent = send_all(fd, head);
      const std::string block(65536, ' ');
      for (size_t left = size; sent && left > 0; left -= std::min(left, block.size())) {
        sent = send_all(fd, block.substr(0, std::min(left, block.size())));
      }
      const bool ok = read_all(fd, raw);
      check(tally, "oversized", raw, sent && ok, {413}, false);
      break;
    }
    case 6: {
      const bool ok = send_all(fd, request("/v1/chat/completions", R"({"model": "soak", "mess)")) &&
                      read_all(fd, raw);
      check(tally, "malformed", raw, ok, {400}, false);
      break;
    }
    case 7: {
      const bool ok = send_all(fd, "GARBAGE \x01\x02 nonsense\r\n\r\n") && read_all(fd, raw);
      check(tally, "garbage", raw, ok, {400}, false);
      break;
    }
    case 8: {  // past the limit on header lines: 431
      std::string head = "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
      for (int i = 0; i < 150; ++i) head += "X-Soak-" + std::to_string(i) + ": 1\r\n";
      const bool ok = send_all(fd, head + "\r\n") && read_all(fd, raw);
      check(tally, "headers", raw, ok, {431}, false);
      break;
    }
    case 9: {  // holds its connection for a while before asking, as an idle keep-alive client
      std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 1500));
      const bool ok =
          send_all(fd, "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n") &&
          read_all(fd, raw);
      check(tally, "idle", raw, ok, {200}, false);
      break;
    }
    default: {
      std::string stops = R"(, "stop": [)";
      for (int i = 0; i < 40; ++i)
        stops += std::string(i ? "," : "") + "\"s" + std::to_string(i) + "\"";
      const bool ok =
          send_all(fd, request("/v1/chat/completions", chat_body(false, 4, stops + "]"))) &&
          read_all(fd, raw);
      check(tally, "limits", raw, ok, {400}, false);
    }
  }
  close(fd);
}

int64_t rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const long long value = std::atoll(argv[i + 1]);
    if (key == "--port") o.port = static_cast<int>(value);
    if (key == "--pid") o.pid = static_cast<int>(value);
    if (key == "--seconds") o.seconds = static_cast<int>(value);
    if (key == "--concurrency") o.concurrency = static_cast<int>(value);
    if (key == "--max-body") o.max_body = static_cast<size_t>(value);
    if (key == "--max-rss-growth") o.max_rss_growth = static_cast<int>(value);
    if (key == "--max-health-ms") o.max_health_ms = static_cast<int>(value);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  if (o.port <= 0 || o.pid <= 0) {
    std::fprintf(stderr, "usage: serve_soak --port P --pid PID [--seconds S] [--concurrency C]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  Tally tally;
  const auto start = Clock::now(), end = start + std::chrono::seconds(o.seconds);
  std::atomic<int64_t> requests{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < o.concurrency; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937 rng(static_cast<uint32_t>(c * 7919 + 1));
      while (Clock::now() < end) {
        one_request(o, tally, rng);
        ++requests;
      }
    });
  }
  int64_t health_failures = 0, rss_warm = -1;
  std::vector<double> health_ms;
  while (Clock::now() < end) {
    const auto t0 = Clock::now();
    const int fd = connect_to(o.port, 5);
    std::string raw, body;
    const bool ok = fd >= 0 &&
                    send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") &&
                    read_all(fd, raw) && parse_response(raw, body) == 200;
    if (fd >= 0) close(fd);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    health_ms.push_back(ms);
    if (!ok) {
      ++health_failures;
      tally.violation("/health did not answer 200");
    } else if (ms > o.max_health_ms) {
      tally.violation("/health took " + std::to_string(static_cast<int>(ms)) + " ms");
    }
    if (rss_warm < 0 && Clock::now() - start > std::chrono::seconds(o.seconds) / 4) {
      rss_warm = rss_kb(o.pid);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::thread& t : clients) t.join();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int64_t rss_end = rss_kb(o.pid);
  const double growth = rss_warm > 0 ? 100.0 * double(rss_end - rss_warm) / double(rss_warm) : 0;
  if (growth > o.max_rss_growth) tally.violation("RSS grew by more than the allowed share");
  std::sort(health_ms.begin(), health_ms.end());
  const auto health_quantile = [&](double q) {
    return health_ms.empty() ? 0.0
                             : health_ms[static_cast<size_t>(q * double(health_ms.size() - 1))];
  };
  Json report = {{"seconds", o.seconds},
                 {"concurrency", o.concurrency},
                 {"requests", requests.load()},
                 {"by_kind_status", tally.counts},
                 {"health_checks", health_ms.size()},
                 {"health_failures", health_failures},
                 {"health_median_ms", health_quantile(0.5)},
                 {"health_p99_ms", health_quantile(0.99)},
                 {"health_max_ms", health_quantile(1.0)},
                 {"rss_warm_kb", rss_warm},
                 {"rss_end_kb", rss_end},
                 {"rss_growth_percent", growth},
                 {"violations", tally.violations}};
  std::printf("%s\n", report.dump().c_str());
  return tally.violations.empty() ? 0 : 1;
}
