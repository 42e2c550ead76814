// The limits of docs/SERVE.md ("Limits") against the built `longalign serve`, over raw sockets so
// that a request can be as malformed, slow or large as a hostile client makes it: the request
// head (header count, line length, total size), the body, the idle and stalled-request timeout,
// the connection limit, and /health answering at once with many connections held.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "serve_process.h"
#include "test_support.h"

namespace longalign {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::TempDir;

class Connection {
 public:
  explicit Connection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Connection() { close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return connected_; }

  // False when the server has closed or reset the connection.
  bool send(const std::string& bytes) {
    for (size_t sent = 0; sent < bytes.size();) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Everything until the server closes the connection (or 10 s pass).
  std::string read_to_end() {
    std::string out;
    char buffer[65536];
    for (ssize_t n; (n = recv(fd_, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, n);
    return out;
  }

  // Reads until `count` responses with a Content-Length have arrived whole.
  std::string read_responses(int count) {
    std::string out;
    char buffer[65536];
    while (complete_responses(out) < count) {
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      out.append(buffer, n);
    }
    return out;
  }

 private:
  static int complete_responses(const std::string& raw) {
    int count = 0;
    for (size_t at = 0;; ++count) {
      const size_t head_end = raw.find("\r\n\r\n", at);
      const size_t length_at = raw.find("Content-Length: ", at);
      if (head_end == std::string::npos || length_at > head_end) return count;
      at = head_end + 4 + std::stoul(raw.substr(length_at + 16));
      if (at > raw.size()) return count;
    }
  }

  int fd_;
  bool connected_ = false;
};

// A request with two headers (Host, Connection) and `extra_headers`.
std::string get(const std::string& path, const std::string& extra_headers = "",
                const std::string& connection = "close") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: " + connection + "\r\n" +
         extra_headers + "\r\n";
}

int status_of(const std::string& raw) {
  return raw.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(raw.c_str() + 9) : -1;
}

// The "error" object of a response, or null when the body is not OpenAI's error shape.
Json error_of(const std::string& raw) {
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return nullptr;
  const Json body = Json::parse(raw.substr(end + 4), nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"] : Json(nullptr);
}

std::string headers(int count, size_t value_bytes = 1) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += "X-Test-" + std::to_string(i) + ": " + std::string(value_bytes, 'v') + "\r\n";
  }
  return out;
}

int64_t rss_kb(pid_t pid) {
  const std::string status = testing::read_text_file("/proc/" + std::to_string(pid) + "/status");
  const size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::atoll(status.c_str() + at + 6);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class ServeLimits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    model_ = new fs::path(testing::make_serve_model(*dir_));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete dir_;
  }
  // The serve arguments for the tiny model, then `extra`.
  static std::vector<std::string> model_args(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--model", model_->string(), "--served-model-name",
                                     "tiny",    "--dtype",        "fp32"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  static TempDir* dir_;
  static fs::path* model_;
};
TempDir* ServeLimits::dir_ = nullptr;
fs::path* ServeLimits::model_ = nullptr;

TEST_F(ServeLimits, RequestHeadsPastTheLimitsAreRefusedWithTheLimit) {
  TempDir dir;
  testing::ServeProcess serve(dir, model_args());
  ASSERT_GT(serve.port(), 0);
  const auto ask = [&](const std::string& request) {
    Connection c(serve.port());
    EXPECT_TRUE(c.connected());
    c.send(request);
    return c.read_to_end();
  };
  // 100 header lines pass; 101 do not.
  EXPECT_EQ(status_of(ask(get("/health", headers(98)))), 200);
  std::string raw = ask(get("/health", headers(99)));
  EXPECT_EQ(status_of(raw), 431) << raw;
  EXPECT_EQ(error_of(raw).value("code", ""), "request_header_fields_too_large") << raw;
  EXPECT_TRUE(testing::contains(error_of(raw).value("message", ""), "limit of 100 headers"));

  // A header line of 8,192 bytes with its "\r\n" passes; one byte more does not.
  const std::string name = "X-Long: ";
  EXPECT_EQ(status_of(ask(get("/health", name + std::string(8190 - name.size(), 'a') + "\r\n"))),
            200);
  raw = ask(get("/health", name + std::string(8191 - name.size(), 'a') + "\r\n"));
  EXPECT_EQ(status_of(raw), 431) << raw;
  EXPECT_TRUE(testing::contains(error_of(raw).value("message", ""), "8192 bytes")) << raw;

  // The same for the request line, answered 414.
  const std::string line_rest = " HTTP/1.1";
  const std::string path = "/health?q=";
  raw = ask("GET " + path + std::string(8191 - 4 - path.size() - line_rest.size(), 'q') +
            line_rest + "\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(raw), 414) << raw;
  EXPECT_EQ(error_of(raw).value("code", ""), "uri_too_long") << raw;

  // Lines within their limit that add up to more than 64 KiB.
  raw = ask(get("/health", headers(9, 8000)));
  EXPECT_EQ(status_of(raw), 431) << raw;
  EXPECT_TRUE(testing::contains(error_of(raw).value("message", ""), "65536 bytes")) << raw;
}

TEST_F(ServeLimits, AnEndlessHeadIsCutOffWithoutTheServerHoldingIt) {
  TempDir dir;
  testing::ServeProcess serve(dir, model_args());
  ASSERT_GT(serve.port(), 0);
  const int64_t rss_before = rss_kb(serve.pid());
  Connection c(serve.port());
  ASSERT_TRUE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
  // Header lines of 4 KB without end: the server answers 431 once 64 KiB have come, and stops
  // reading (its drain of 1 MiB ends, and the connection closes) long before 256 MiB are sent.
  const std::string block = headers(16, 4000);
  size_t sent = 0;
  while (sent < (size_t{256} << 20) && c.send(block)) sent += block.size();
  EXPECT_LT(sent, size_t{16} << 20);
  const std::string raw = c.read_to_end();
  EXPECT_EQ(status_of(raw), 431) << raw.substr(0, 300);
  EXPECT_LT(rss_kb(serve.pid()) - rss_before, 32 * 1024);
}

TEST_F(ServeLimits, IdleConnectionsAndStalledHeadsAreClosedAfterTheTimeout) {
  TempDir dir;
  testing::ServeProcess serve(dir, model_args({"--idle-timeout", "1"}));
  ASSERT_GT(serve.port(), 0);
  {
    Connection idle(serve.port());
    const auto start = Clock::now();
    EXPECT_EQ(idle.read_to_end(), "");
    EXPECT_LT(seconds_since(start), 3.0);
    EXPECT_GT(seconds_since(start), 0.8);
  }
  // A byte every 200 ms keeps each read within the timeout, but the head as a whole must come
  // within it too.
  Connection slow(serve.port());
  const auto start = Clock::now();
  const std::string head = get("/health", headers(20));
  size_t i = 0;
  while (i < head.size() && seconds_since(start) < 10 && slow.send(head.substr(i, 1))) {
    ++i;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_LT(i, head.size());
  EXPECT_LT(seconds_since(start), 4.0);
}

TEST_F(ServeLimits, KeepAliveServesPipelinedRequestsWithBodies) {
  TempDir dir;
  testing::ServeProcess serve(dir, model_args());
  ASSERT_GT(serve.port(), 0);
  Connection c(serve.port());
  const std::string body = R"({"model": "tiny", "messages": [{"role": "user", "content": "Hi"}],
      "max_tokens": 3, "temperature": 0})";
  const std::string post = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_TRUE(c.send(post + get("/v1/models", "", "keep-alive") + post + get("/health")));
  const std::string raw = c.read_responses(4);
  size_t ok = 0;
  for (size_t at = 0; (at = raw.find("HTTP/1.1 200 OK", at)) != std::string::npos; ++at) ++ok;
  EXPECT_EQ(ok, 4u) << raw;
  EXPECT_TRUE(testing::contains(raw, "\"chat.completion\"")) << raw;
  EXPECT_TRUE(testing::contains(raw, "\"status\":\"ok\"")) << raw;
}

TEST_F(ServeLimits, HealthAnswersAtOnceWithManyConnectionsHeld) {
  TempDir dir;
  testing::ServeProcess serve(dir, model_args({"--max-running", "1", "--max-queue", "1"}));
  ASSERT_GT(serve.port(), 0);
  // 200 connections that send nothing: each holds a thread for the 5 s idle timeout.
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 200; ++i) held.push_back(std::make_unique<Connection>(serve.port()));
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    Connection c(serve.port());
    c.send(get("/health"));
    EXPECT_EQ(status_of(c.read_to_end()), 200);
    EXPECT_LT(seconds_since(start), 0.5) << "check " << i;
  }
}

TEST_F(ServeLimits, PastMaxConnectionsANewConnectionWaitsItsTurn) {
  TempDir dir;
  testing::ServeProcess serve(dir, model_args({"--max-connections", "2", "--idle-timeout", "1"}));
  ASSERT_GT(serve.port(), 0);
  Connection a(serve.port()), b(serve.port());
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  Connection c(serve.port());
  c.send(get("/health"));
  EXPECT_EQ(status_of(c.read_to_end()), 200);
  // Served once the idle timeout has closed one of the two held connections.
  EXPECT_GT(seconds_since(start), 0.7);
  EXPECT_LT(seconds_since(start), 3.0);
}

TEST_F(ServeLimits, AMalformedRequestLineIs400AndEndsTheConnection) {
  TempDir dir;
  testing::ServeProcess serve(dir, model_args());
  ASSERT_GT(serve.port(), 0);
  {
    // The rest of the head must not be read as another request, nor the connection kept open.
    Connection c(serve.port());
    const auto start = Clock::now();
    c.send("GARBAGE \x01\x02 nonsense\r\nX-A: 1\r\n\r\n");
    const std::string raw = c.read_to_end();
    EXPECT_EQ(status_of(raw), 400) << raw;
    EXPECT_EQ(raw.find("HTTP/1.1", 1), std::string::npos) << raw;
    EXPECT_TRUE(error_of(raw).is_object()) << raw;
    EXPECT_LT(seconds_since(start), 2.0);
  }
  // Empty lines before a request line are skipped (RFC 9112).
  Connection c(serve.port());
  c.send("\r\n\r\n" + get("/health"));
  const std::string raw = c.read_to_end();
  EXPECT_EQ(status_of(raw), 200) << raw;
  EXPECT_EQ(raw.find("HTTP/1.1", 1), std::string::npos) << raw;
}

TEST_F(ServeLimits, ABodyPastTheLimitIs413) {
  TempDir dir;
  testing::ServeProcess serve(dir, model_args({"--max-body-bytes", "1000"}));
  ASSERT_GT(serve.port(), 0);
  Connection c(serve.port());
  const std::string body(1001, ' ');
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Length: 1001\r\n\r\n" +
      body);
  const std::string raw = c.read_to_end();
  EXPECT_EQ(status_of(raw), 413) << raw;
  EXPECT_EQ(error_of(raw).value("code", ""), "request_too_large") << raw;

  // A body declared far larger is refused unread, and the connection ends: what follows is
  // body, not a request to answer.
  Connection d(serve.port());
  d.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n\r\n" +
         get("/health", "", "keep-alive"));
  const std::string refused = d.read_to_end();
  EXPECT_EQ(status_of(refused), 413) << refused;
  EXPECT_EQ(refused.find("HTTP/1.1", 1), std::string::npos) << refused;
}

}  // namespace
}  // namespace longalign
