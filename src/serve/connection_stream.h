// One client connection as a cpp-httplib Stream, its reads buffered here so that a request's head
// (request line, headers, blank line) is read whole and checked against the server's limits before
// httplib parses it. Debian's cpp-httplib 0.11.4 bounds each header line (8,192 bytes) but neither
// their number nor how long the head may take to arrive: one client could grow the server's memory
// without end, or hold a connection by sending a byte every few seconds.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "serve/head_limits.h"

namespace longalign::serve {

enum class HeadStatus {
  complete,               // the head is buffered; httplib reads it from here
  too_large,              // more than max_bytes before the blank line
  request_line_too_long,  // a request line of more than max_line_bytes
  header_too_long,        // a header line of more than max_line_bytes
  too_many_headers,       // more than max_header_lines header lines
  closed,                 // the client closed the connection, or it failed
  timed_out,              // no request began in time, or its head stopped arriving
  stopping,               // the server is stopping
};

class ConnectionStream : public httplib::Stream {
 public:
  using Millis = std::chrono::milliseconds;

  // Reads and writes that cannot go on for `read_timeout` / `write_timeout` fail.
  ConnectionStream(socket_t socket, Millis read_timeout, Millis write_timeout);

  // Waits up to `first_byte` for the next request to begin, then until its head has arrived,
  // which must happen within `whole` of its first byte. Asks `running` ten times a second, and
  // gives up when it answers false.
  HeadStatus read_head(const HeadLimits& limits, Millis first_byte, Millis whole,
                       const std::function<bool()>& running);

  // Whether the last request has been read through: its head, and as many body bytes as its
  // Content-Length says. httplib stops reading a head it cannot parse (answering 400), and a
  // handler that refuses a request may leave its body unread; what is left must not be taken for
  // the next request, so the connection ends instead.
  bool request_consumed() const { return consumed_ >= request_end_; }

  // Reads and throws away what the client still sends, up to `max_bytes` or until it stops for
  // the read timeout, so that closing the socket after an error answer does not reset the
  // connection before the client has read the answer.
  void drain(size_t max_bytes);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return socket_; }

 private:
  // poll() for `events` for up to `timeout`: true when the socket is ready.
  bool wait_for(short events, Millis timeout) const;
  // Appends what one recv() returns to the buffer: its byte count, 0 at the end, -1 on error.
  ssize_t fill();
  // Looks at the buffered bytes past scanned_ for the end of the head: nothing while the head
  // is within the limits and not yet whole.
  std::optional<HeadStatus> scan(const HeadLimits& limits);

  socket_t socket_;
  Millis read_timeout_, write_timeout_;
  std::string buffer_;
  size_t offset_ = 0;  // bytes of buffer_ already read
  // The head being read, counted from offset_: the bytes scan() has looked at, where its current
  // line starts, and how many lines it has.
  size_t scanned_ = 0, line_start_ = 0, lines_ = 0;
  uint64_t consumed_ = 0;     // bytes read from the connection, in all
  uint64_t body_bytes_ = 0;   // the Content-Length of the head being read
  uint64_t request_end_ = 0;  // consumed_ once the last request has been read through
};

}  // namespace longalign::serve
