// cpp-httplib's server with the connection handling this project needs on top of Debian's build
// of it (0.11.4): every connection on a thread of its own (ConnectionPool), each request's head
// read whole and held to HeadLimits before httplib parses it (ConnectionStream), and a listen
// backlog as deep as the system allows rather than httplib's 5. Routing, parsing and responses
// stay httplib's.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

#include "serve/connection_stream.h"

namespace longalign::serve {

class HttpServer : public httplib::Server {
 public:
  // At most `max_connections` connections are served at once; later ones wait their turn.
  HttpServer(size_t max_connections, HeadLimits head_limits);

  // Binds to host:port (port 0: any free port) and returns the port, or -1 when it cannot.
  int bind(const std::string& host, int port);

 private:
  // Called by httplib for each accepted connection, on a pool thread: serves its requests one
  // after another (keep-alive), then closes it.
  bool process_and_close_socket(socket_t sock) override;

  // Answers a head over the limits with 431 (414 for the request line) and an OpenAI-shaped
  // body, and ends the connection.
  void refuse_head(ConnectionStream& stream, HeadStatus status) const;

  HeadLimits head_limits_;
};

}  // namespace longalign::serve
