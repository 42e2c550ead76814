// A request the server refuses, in the shape OpenAI's clients parse:
//   {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}
// with the HTTP status that goes with it. Handlers throw it; the server writes it.
#pragma once

#include <stdexcept>
#include <string>

#include "core/json.h"

namespace longalign::serve {

class ApiError : public std::runtime_error {
 public:
  // An empty `param` or `code` is written as null.
  ApiError(int status, const std::string& message, std::string type, std::string param = {},
           std::string code = {});

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }

  // The response body.
  Json body() const;

 private:
  int status_;
  std::string type_, param_, code_;
};

// 400 for a request field the server cannot accept; `param` names the field ("messages[1].role").
ApiError invalid_field(const std::string& param, const std::string& message);

}  // namespace longalign::serve
