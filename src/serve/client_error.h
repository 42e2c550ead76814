// The failure of a call to an OpenAI-compatible endpoint, as the client reports it: the HTTP
// status (0 when no response arrived), the server's message and code, and how many attempts were
// made before giving up.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace longalign::serve {

// What one failed attempt learned.
struct ClientErrorInfo {
  long status = 0;  // 0: connection refused or reset, timeout, stream cut short
  std::string message;
  std::string code;  // the server's error code ("context_length_exceeded"), or empty
  std::string type;  // the server's error type ("invalid_request_error"), or empty
};

class ClientError : public Error {
 public:
  // `where` names the endpoint in the message.
  ClientError(const std::string& where, ClientErrorInfo info, int attempts);

  long status() const { return info_.status; }
  const std::string& message() const { return info_.message; }
  const std::string& code() const { return info_.code; }
  const std::string& type() const { return info_.type; }
  int attempts() const { return attempts_; }

  // The prompt did not fit the model's context: callers skip the sample or shorten the prompt
  // rather than retry it. Servers say so by code (OpenAI, vLLM) or only in the message.
  bool is_context_length() const;

 private:
  ClientErrorInfo info_;
  int attempts_;
};

// Reads an error response body in the shapes servers use: OpenAI's nested
// {"error": {"message", "type", "code"}}, {"error": "text"}, the flat {"message", "type", "code"}
// (older vLLM) and FastAPI's {"detail": "text" or [...]}. A body that is none of these (an HTML
// page from a proxy) becomes the message itself, shortened.
ClientErrorInfo error_info_from_body(long status, std::string_view body);

}  // namespace longalign::serve
