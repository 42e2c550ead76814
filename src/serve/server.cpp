#include "serve/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <random>
#include <utility>

#include "core/error.h"
#include "infer/engine.h"
#include "serve/active_streams.h"
#include "serve/api_error.h"
#include "serve/generation_request.h"
#include "serve/http_server.h"
#include "serve/openai_request.h"
#include "serve/openai_response.h"
#include "serve/sse.h"

namespace longalign::serve {

namespace {

// A model can emit half of a character's bytes; they become U+FFFD rather than an exception.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void send_json(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

// Compares every byte whatever the first difference, so the time taken says nothing about the
// key.
bool same_key(const std::string& given, const std::string& key) {
  unsigned char diff = given.size() == key.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ key[i % key.size()]);
  }
  return diff == 0;
}

uint64_t random_seed() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

int64_t unix_seconds() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::seconds>(now).count();
}

// One streamed answer, shared by the content provider and the releaser httplib copies.
struct StreamState {
  std::shared_ptr<infer::GenerationStream> stream;
  std::unique_ptr<ActiveStreams::Guard> guard;
  ResponseHead head;
  bool include_usage = false;
};

// Writes the whole event stream from one provider call: role, content deltas, finish, usage,
// [DONE]. Returns false when the client went away; the response's releaser then cancels the
// generation, so its slot is freed at the scheduler's next step.
bool write_events(StreamState& s, httplib::DataSink& sink) {
  const auto send = [&](const std::string& event) {
    return sink.write(event.data(), event.size());
  };
  const bool chat = s.head.endpoint == Endpoint::chat;
  try {
    if (chat && !send(sse_event(role_chunk(s.head, s.include_usage)))) return false;
    std::string delta;
    while (s.stream->next(delta)) {
      // Tokens without complete text yet: nothing to send, but a gone client shows up here too.
      const bool sent = delta.empty() ? sink.is_writable()
                                      : send(sse_event(text_chunk(s.head, delta, s.include_usage)));
      if (!sent) return false;
    }
    const infer::GenerationResult& result = s.stream->result();
    // Cancelled with the client still there: the server is stopping.
    if (result.finish == infer::FinishReason::cancelled) return false;
    if (!send(sse_event(finish_chunk(s.head, result.finish, s.include_usage)))) return false;
    if (s.include_usage && !send(sse_event(usage_chunk(s.head, result)))) return false;
  } catch (const std::exception& e) {
    // The status line has gone out already: report the failure as an event, as OpenAI does.
    send(sse_event(ApiError(500, e.what(), "server_error").body()));
  }
  if (!send(sse_done())) return false;
  sink.done();
  return true;
}

}  // namespace

struct Server::Impl {
  const infer::ChatModel& model;
  infer::Scheduler& scheduler;
  ServerOptions options;
  int64_t max_context;
  int64_t started = unix_seconds();
  ActiveStreams active;
  HttpServer http;

  Impl(const infer::ChatModel& m, infer::Scheduler& s, ServerOptions o)
      : model(m),
        scheduler(s),
        options(std::move(o)),
        max_context(m.engine->max_context()),
        http(options.max_connections, options.head_limits) {}

  void authorize(const httplib::Request& req) const {
    if (options.api_key.empty()) return;
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (header.empty()) {
      throw ApiError(401, "Missing API key: send it in an \"Authorization: Bearer <key>\" header.",
                     "invalid_request_error", "", "invalid_api_key");
    }
    if (header.rfind(prefix, 0) != 0 || !same_key(header.substr(prefix.size()), options.api_key)) {
      throw ApiError(401, "Incorrect API key provided.", "invalid_request_error", "",
                     "invalid_api_key");
    }
  }

  void check_model(const std::string& name) const {
    if (name != options.model_name) {
      throw ApiError(404,
                     "The model `" + name + "` does not exist; this server serves `" +
                         options.model_name + "`.",
                     "invalid_request_error", "model", "model_not_found");
    }
  }

  std::shared_ptr<infer::GenerationStream> submit(infer::GenerationRequest request) {
    try {
      return scheduler.submit(std::move(request));
    } catch (const infer::QueueFull& e) {
      throw ApiError(429, std::string("The server is busy: ") + e.what() + ". Retry later.",
                     "rate_limit_error", "", "queue_full");
    } catch (const UsageError& e) {
      // The context was checked already; what is left is a prompt the model cannot take (a
      // token outside its vocabulary).
      throw ApiError(400, e.what(), "invalid_request_error");
    }
  }

  // The request body, read through httplib's content reader so that an oversized one is drained
  // rather than left unread: closing a socket with unread bytes makes the kernel send a reset,
  // and the client would lose the 413 along with the connection.
  std::string read_body(const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader) const {
    const size_t limit = options.max_body_bytes;
    const std::string length = req.get_header_value("Content-Length");
    uint64_t declared = 0;
    const bool hopeless =
        std::from_chars(length.data(), length.data() + length.size(), declared).ec == std::errc() &&
        declared > limit + kMaxDrainBytes;
    std::string body;
    size_t total = 0;
    if (!hopeless) {
      reader([&](const char* data, size_t length) {
        total += length;
        if (total <= limit) body.append(data, length);
        return total <= limit + kMaxDrainBytes;
      });
    }
    if (hopeless || total > limit) {
      res.set_header("Connection", "close");
      throw ApiError(413,
                     "The request body is larger than this server's limit of " +
                         std::to_string(limit) + " bytes.",
                     "invalid_request_error", "", "request_too_large");
    }
    return body;
  }

  void completion(const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& reader, Endpoint endpoint) {
    // The body first, so that a refused request leaves none of it unread: the connection then
    // stays open for the client's next request.
    const std::string body = read_body(req, res, reader);
    authorize(req);
    const CompletionRequest request = parse_completion_request(parse_body(body), endpoint);
    check_model(request.model);
    auto stream = submit(generation_request(request, model, max_context, options.max_prompt_length,
                                            request.seed.value_or(random_seed())));
    auto guard = active.add(stream);
    const ResponseHead head = new_response_head(endpoint, options.model_name);
    if (!request.stream) {
      std::string delta;
      while (stream->next(delta)) {
      }
      if (stream->result().finish == infer::FinishReason::cancelled) {
        throw ApiError(503, "The server is shutting down.", "server_error");
      }
      send_json(res, 200, completion_json(head, stream->result()));
      return;
    }
    auto state = std::make_shared<StreamState>(
        StreamState{std::move(stream), std::move(guard), head, request.include_usage});
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [state](size_t, httplib::DataSink& sink) { return write_events(*state, sink); },
        // Runs once the response is over: unsuccessful when the client went away, the server
        // stopped, or the headers could not be sent and the provider never ran.
        [state](bool success) {
          if (!success) state->stream->cancel();
        });
  }

  void models(const httplib::Request& req, httplib::Response& res) {
    authorize(req);
    send_json(res, 200, model_list_json(options.model_name, started, max_context));
  }

  void model_card(const httplib::Request& req, httplib::Response& res) {
    authorize(req);
    check_model(req.matches[1]);
    send_json(res, 200, model_json(options.model_name, started, max_context));
  }

  // Any request no route took: the wrong method on a known path, or an unknown path.
  void unrouted(const httplib::Request& req, httplib::Response& res) {
    if (req.path != "/health") authorize(req);
    const std::string allowed = allowed_method(req.path);
    if (allowed.empty()) {
      throw ApiError(404, "Unknown path: " + req.method + " " + req.path, "invalid_request_error",
                     "", "unknown_url");
    }
    res.set_header("Allow", allowed);
    throw ApiError(405, req.method + " is not allowed on " + req.path + "; use " + allowed + ".",
                   "invalid_request_error", "", "method_not_allowed");
  }

  static std::string allowed_method(const std::string& path) {
    if (path == "/v1/chat/completions" || path == "/v1/completions") return "POST";
    if (path == "/v1/models" || path.rfind("/v1/models/", 0) == 0 || path == "/health") {
      return "GET";
    }
    return {};
  }

  // Runs a handler, turning what it throws into an OpenAI error response.
  httplib::Server::Handler guarded(
      std::function<void(Impl&, const httplib::Request&, httplib::Response&)> handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      try {
        handler(*this, req, res);
      } catch (const ApiError& e) {
        send_json(res, e.status(), e.body());
      } catch (const std::exception& e) {
        send_json(res, 500, ApiError(500, e.what(), "server_error").body());
      }
    };
  }

  // guarded() for the handlers that read the body themselves.
  httplib::Server::HandlerWithContentReader guarded_completion(Endpoint endpoint) {
    return [this, endpoint](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
      try {
        completion(req, res, reader, endpoint);
      } catch (const ApiError& e) {
        send_json(res, e.status(), e.body());
      } catch (const std::exception& e) {
        send_json(res, 500, ApiError(500, e.what(), "server_error").body());
      }
    };
  }

  void add_routes() {
    http.Post("/v1/chat/completions", guarded_completion(Endpoint::chat));
    http.Post("/v1/completions", guarded_completion(Endpoint::completion));
    http.Get("/v1/models", guarded(&Impl::models));
    http.Get("/v1/models/(.+)", guarded(&Impl::model_card));
    http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, {{"status", "ok"}});
    });
    const auto rest = guarded(&Impl::unrouted);
    http.Get(".*", rest);
    http.Post(".*", rest);
    http.Put(".*", rest);
    http.Patch(".*", rest);
    http.Delete(".*", rest);
    http.Options(".*", rest);
    // What httplib refuses before routing (a malformed request line, for one) still gets an
    // OpenAI-shaped body; responses that have one are left alone.
    http.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          send_json(res, res.status,
                    ApiError(res.status,
                             "The server could not process this request (HTTP " +
                                 std::to_string(res.status) + ").",
                             res.status >= 500 ? "server_error" : "invalid_request_error")
                        .body());
          return httplib::Server::HandlerResponse::Handled;
        }));
  }
};

Server::Server(const infer::ChatModel& model, infer::Scheduler& scheduler, ServerOptions options)
    : impl_(std::make_unique<Impl>(model, scheduler, std::move(options))) {
  // httplib's default sets SO_REUSEPORT, with which a second server binds the same port and the
  // kernel splits the connections between them; SO_REUSEADDR alone still allows a quick restart.
  impl_->http.set_socket_options([](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Idle connections and stalled requests are closed after the idle timeout, so they cannot hold
  // their threads; keep-alive serves up to 100 requests a connection.
  const time_t idle = std::max(impl_->options.idle_timeout_seconds, 1);
  impl_->http.set_read_timeout(idle, 0);
  impl_->http.set_keep_alive_timeout(idle);
  impl_->http.set_keep_alive_max_count(100);
  impl_->add_routes();
}

Server::~Server() = default;

int Server::bind() {
  const ServerOptions& o = impl_->options;
  const int port = impl_->http.bind(o.host, o.port);
  if (port < 0) {
    throw Error("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                " (address in use, or not an address of this machine)");
  }
  return port;
}

void Server::run() {
  impl_->http.listen_after_bind();
}

void Server::stop() {
  impl_->active.cancel_all();
  impl_->http.stop();
}

}  // namespace longalign::serve
