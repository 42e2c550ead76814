#include "serve/client_http.h"

#include <curl/curl.h>

#include <strings.h>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>

#include "core/error.h"

namespace longalign::serve {

namespace {

// curl_global_init is not thread-safe and must run before any other libcurl call, once per
// process; the first POST from any thread does it.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw Error("libcurl: global init failed");
  });
}

// The failures that say nothing about the request itself: the server was down, restarting, slow
// or dropped the connection. DNS errors are left out: a wrong host name does not heal.
bool is_transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

struct Transfer {
  CURL* curl = nullptr;
  const BodyChunkHandler* on_body = nullptr;
  std::string retry_after;
  std::exception_ptr error;
};

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  try {
    // Any value other than `bytes` makes libcurl stop with CURLE_WRITE_ERROR.
    return (*t->on_body)(status, std::string_view(data, bytes)) ? bytes : 0;
  } catch (...) {
    t->error = std::current_exception();
    return 0;
  }
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  constexpr std::string_view kName = "retry-after:";
  // A new status line starts a new header block (after a 100 Continue, say).
  if (line.starts_with("HTTP/")) t->retry_after.clear();
  if (line.size() > kName.size() && strncasecmp(data, kName.data(), kName.size()) == 0) {
    std::string_view v = line.substr(kName.size());
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
      v.remove_suffix(1);
    }
    t->retry_after = v;
  }
  return bytes;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::unique_ptr<curl_slist, SlistDeleter> header_list(const std::vector<std::string>& headers) {
  std::unique_ptr<curl_slist, SlistDeleter> list;
  for (const std::string& h : headers) {
    curl_slist* grown = curl_slist_append(list.get(), h.c_str());
    if (!grown) throw Error("libcurl: out of memory building headers");
    list.release();
    list.reset(grown);
  }
  return list;
}

}  // namespace

HttpReply http_post(const HttpPost& post, const BodyChunkHandler& on_body) {
  init_curl_once();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw Error("libcurl: cannot create a handle");
  std::vector<std::string> headers = post.headers;
  // Long prompts pass libcurl's 1 MiB threshold for "Expect: 100-continue", which costs a round
  // trip and confuses some servers; the body is sent straight away instead.
  headers.emplace_back("Expect:");
  const auto header_slist = header_list(headers);
  Transfer t{curl.get(), &on_body, {}, nullptr};
  char error_buffer[CURL_ERROR_SIZE] = {};

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, post.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_slist.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, post.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(post.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(post.total_timeout.count()));
  // Timeouts by signal are unsafe with threads; libcurl then resolves names in a thread instead.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode code = curl_easy_perform(c);
  if (t.error) std::rethrow_exception(t.error);

  HttpReply reply;
  reply.retry_after = std::move(t.retry_after);
  reply.completed = code == CURLE_OK;
  if (reply.completed) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  } else {
    reply.transient_failure = is_transient(code);
    reply.failure = std::strlen(error_buffer) > 0 ? error_buffer : curl_easy_strerror(code);
  }
  return reply;
}

}  // namespace longalign::serve
