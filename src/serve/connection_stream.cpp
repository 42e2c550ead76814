#include "serve/connection_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <string_view>

namespace longalign::serve {

namespace {

using Clock = std::chrono::steady_clock;
using Millis = ConnectionStream::Millis;

constexpr size_t kRecvBytes = 4096;
constexpr Millis kRunningCheck{100};

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
    port = ntohs(a.sin6_port);
  }
  ip = text;
}

// The body length a header line declares (Content-Length), or `otherwise`.
uint64_t declared_length(std::string_view line, uint64_t otherwise) {
  constexpr std::string_view name = "content-length:";
  if (line.size() < name.size()) return otherwise;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return otherwise;
  }
  line.remove_prefix(name.size());
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
  return error == std::errc() ? value : otherwise;
}

}  // namespace

ConnectionStream::ConnectionStream(socket_t socket, Millis read_timeout, Millis write_timeout)
    : socket_(socket), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

bool ConnectionStream::wait_for(short events, Millis timeout) const {
  pollfd p{socket_, events, 0};
  int ready;
  do {
    ready = poll(&p, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

ssize_t ConnectionStream::fill() {
  // What has been read goes; scanned_ counts from offset_, so it stays right.
  buffer_.erase(0, offset_);
  offset_ = 0;
  const size_t old = buffer_.size();
  buffer_.resize(old + kRecvBytes);
  ssize_t n;
  do {
    n = recv(socket_, buffer_.data() + old, kRecvBytes, 0);
  } while (n < 0 && errno == EINTR);
  buffer_.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
  return n;
}

// A head ends at its first empty line. Lines end in "\n" (httplib then insists on "\r\n").
std::optional<HeadStatus> ConnectionStream::scan(const HeadLimits& limits) {
  while (offset_ + scanned_ < buffer_.size()) {
    const char* head = buffer_.data() + offset_;
    const char c = head[scanned_++];
    if (scanned_ > limits.max_bytes) return HeadStatus::too_large;
    const size_t length = scanned_ - line_start_;  // of the line so far, this byte included
    if (c != '\n') {
      // This byte and at least a "\n" after it.
      if (length + 1 > limits.max_line_bytes) {
        return lines_ == 0 ? HeadStatus::request_line_too_long : HeadStatus::header_too_long;
      }
      continue;
    }
    const bool empty = length == 1 || (length == 2 && head[line_start_] == '\r');
    if (!empty && lines_ > 0) {
      body_bytes_ = declared_length(std::string_view(head + line_start_, length), body_bytes_);
    }
    line_start_ = scanned_;
    if (!empty) {
      if (++lines_ > limits.max_header_lines + 1) return HeadStatus::too_many_headers;
    } else if (lines_ > 0) {
      request_end_ = consumed_ + scanned_ + body_bytes_;
      return HeadStatus::complete;
    } else {
      // Empty lines before a request line are skipped (RFC 9112, section 2.2).
      offset_ += scanned_;
      consumed_ += scanned_;
      scanned_ = line_start_ = 0;
    }
  }
  return std::nullopt;
}

HeadStatus ConnectionStream::read_head(const HeadLimits& limits, Millis first_byte, Millis whole,
                                       const std::function<bool()>& running) {
  scanned_ = line_start_ = lines_ = 0;
  body_bytes_ = 0;
  auto deadline = Clock::now() + first_byte;
  bool started = offset_ < buffer_.size();
  if (started) deadline = Clock::now() + whole;
  for (;;) {
    if (started) {
      if (const auto status = scan(limits)) return *status;
    }
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left <= Millis::zero()) return HeadStatus::timed_out;
    if (!running()) return HeadStatus::stopping;
    if (!wait_for(POLLIN, std::min(left, kRunningCheck))) continue;
    if (fill() <= 0) return HeadStatus::closed;
    if (!started) deadline = Clock::now() + whole;
    started = true;
  }
}

void ConnectionStream::drain(size_t max_bytes) {
  shutdown(socket_, SHUT_WR);
  size_t drained = 0;
  while (drained < max_bytes && wait_for(POLLIN, read_timeout_)) {
    buffer_.clear();
    offset_ = 0;
    const ssize_t n = fill();
    if (n <= 0) return;
    drained += static_cast<size_t>(n);
  }
}

bool ConnectionStream::is_readable() const {
  return offset_ < buffer_.size() || wait_for(POLLIN, read_timeout_);
}

bool ConnectionStream::is_writable() const {
  if (!wait_for(POLLOUT, write_timeout_)) return false;
  // Writable but half closed by the client: a peek that finds the end says it has gone.
  char byte;
  const ssize_t n = recv(socket_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n != 0;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (offset_ == buffer_.size()) {
    if (!wait_for(POLLIN, read_timeout_)) return -1;
    if (size >= kRecvBytes) {
      ssize_t n;
      do {
        n = recv(socket_, ptr, size, 0);
      } while (n < 0 && errno == EINTR);
      consumed_ += static_cast<uint64_t>(std::max<ssize_t>(n, 0));
      return n;
    }
    const ssize_t n = fill();
    if (n <= 0) return n;
  }
  const size_t n = std::min(size, buffer_.size() - offset_);
  std::memcpy(ptr, buffer_.data() + offset_, n);
  offset_ += n;
  consumed_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (!wait_for(POLLOUT, write_timeout_)) return -1;
  ssize_t n;
  do {
    n = send(socket_, ptr, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t length = sizeof addr;
  if (getpeername(socket_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    address_of(addr, ip, port);
  }
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t length = sizeof addr;
  if (getsockname(socket_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    address_of(addr, ip, port);
  }
}

}  // namespace longalign::serve
