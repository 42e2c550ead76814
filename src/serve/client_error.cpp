#include "serve/client_error.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/json.h"

namespace longalign::serve {

namespace {

// Enough of a non-JSON body to recognise it without flooding the log with a whole HTML page.
constexpr size_t kBodyExcerpt = 300;

std::string describe(const std::string& where, const ClientErrorInfo& info, int attempts) {
  std::string s = where + ": ";
  s += info.status == 0 ? std::string("no response") : "HTTP " + std::to_string(info.status);
  if (!info.code.empty()) s += " (" + info.code + ")";
  s += ": " + info.message;
  s += " [" + std::to_string(attempts) + (attempts == 1 ? " attempt]" : " attempts]");
  return s;
}

// A JSON value as text: strings as they are, numbers and the rest as JSON, null as nothing.
std::string text_of(const Json& v) {
  if (v.is_null()) return {};
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string field_text(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? std::string() : text_of(*it);
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string excerpt(std::string_view body) {
  std::string s(body.substr(0, kBodyExcerpt));
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return body.size() > kBodyExcerpt ? s + "..." : s;
}

}  // namespace

ClientError::ClientError(const std::string& where, ClientErrorInfo info, int attempts)
    : Error(describe(where, info, attempts)), info_(std::move(info)), attempts_(attempts) {}

bool ClientError::is_context_length() const {
  if (info_.code == "context_length_exceeded") return true;
  const std::string m = lowercase(info_.message);
  return info_.status == 400 && (m.find("context length") != std::string::npos ||
                                 m.find("maximum context") != std::string::npos ||
                                 m.find("context window") != std::string::npos);
}

ClientErrorInfo error_info_from_body(long status, std::string_view body) {
  ClientErrorInfo info;
  info.status = status;
  const Json j = Json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_object()) {
    const Json* source = &j;
    if (const auto e = j.find("error"); e != j.end() && e->is_object()) source = &*e;
    info.code = field_text(*source, "code");
    info.type = field_text(*source, "type");
    if (source == &j && j.contains("error")) info.message = text_of(j["error"]);
    if (info.message.empty()) info.message = field_text(*source, "message");
    if (info.message.empty()) info.message = field_text(j, "detail");
  }
  if (info.message.empty()) info.message = excerpt(body);
  // A body of white space only excerpts to nothing: say so rather than report no reason.
  if (info.message.empty()) info.message = "empty response body";
  return info;
}

}  // namespace longalign::serve
