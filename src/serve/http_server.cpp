#include "serve/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "serve/api_error.h"
#include "serve/connection_pool.h"

namespace longalign::serve {

namespace {

using Millis = ConnectionStream::Millis;

// A thread idle this long ends; the next connection starts another (tens of microseconds).
constexpr Millis kIdleThreadExit{10'000};
// After a 431, what the client still sends is read (up to this much) so that it reads the answer.
constexpr size_t kRefusedHeadDrain = size_t{1} << 20;

class PoolTaskQueue : public httplib::TaskQueue {
 public:
  explicit PoolTaskQueue(size_t max_threads) : pool_(max_threads, kIdleThreadExit) {}
  void enqueue(std::function<void()> fn) override { pool_.enqueue(std::move(fn)); }
  void shutdown() override { pool_.shutdown(); }

 private:
  ConnectionPool pool_;
};

Millis to_millis(time_t seconds, time_t microseconds) {
  return Millis(seconds * 1000 + microseconds / 1000);
}

}  // namespace

HttpServer::HttpServer(size_t max_connections, HeadLimits head_limits) : head_limits_(head_limits) {
  new_task_queue = [max_connections] { return new PoolTaskQueue(max_connections); };
}

int HttpServer::bind(const std::string& host, int port) {
  const int bound = port == 0 ? bind_to_any_port(host) : (bind_to_port(host, port) ? port : -1);
  // Listening again on a listening socket only sets its backlog (Linux). With httplib's 5, a burst
  // of connections overflows the queue, and the ones dropped retry after a second or more.
  if (bound >= 0) ::listen(svr_sock_, SOMAXCONN);
  return bound;
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  const Millis read_timeout = to_millis(read_timeout_sec_, read_timeout_usec_);
  ConnectionStream stream(sock, read_timeout, to_millis(write_timeout_sec_, write_timeout_usec_));
  const auto running = [this] { return svr_sock_ != INVALID_SOCKET; };
  const Millis keep_alive(keep_alive_timeout_sec_ * 1000);
  bool served = false;
  for (size_t count = 0; count < keep_alive_max_count_; ++count) {
    const HeadStatus head = stream.read_head(head_limits_, keep_alive, read_timeout, running);
    if (head == HeadStatus::closed || head == HeadStatus::timed_out ||
        head == HeadStatus::stopping) {
      break;
    }
    if (head != HeadStatus::complete) {
      refuse_head(stream, head);
      break;
    }
    bool closed = false;
    const bool last = count + 1 == keep_alive_max_count_;
    served = process_request(stream, last, closed, nullptr);
    if (!served || closed || !stream.request_consumed()) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

void HttpServer::refuse_head(ConnectionStream& stream, HeadStatus status) const {
  const HeadLimits& l = head_limits_;
  int code = 431;
  std::string reason = "Request Header Fields Too Large", what;
  switch (status) {
    case HeadStatus::too_large:
      what = "The request's headers are larger than this server's limit of " +
             std::to_string(l.max_bytes) + " bytes.";
      break;
    case HeadStatus::too_many_headers:
      what = "The request has more than this server's limit of " +
             std::to_string(l.max_header_lines) + " headers.";
      break;
    case HeadStatus::header_too_long:
      what = "A request header is longer than this server's limit of " +
             std::to_string(l.max_line_bytes) + " bytes, line end included.";
      break;
    default:
      code = 414;
      reason = "URI Too Long";
      what = "The request line is longer than this server's limit of " +
             std::to_string(l.max_line_bytes) + " bytes, line end included.";
  }
  const std::string error_code = code == 414 ? "uri_too_long" : "request_header_fields_too_large";
  const std::string body =
      ApiError(code, what, "invalid_request_error", "", error_code).body().dump();
  const std::string response =
      "HTTP/1.1 " + std::to_string(code) + " " + reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  for (size_t sent = 0; sent < response.size();) {
    const ssize_t n = stream.write(response.data() + sent, response.size() - sent);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
  stream.drain(kRefusedHeadDrain);
}

}  // namespace longalign::serve
