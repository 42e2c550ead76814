#include "serve/api_error.h"

#include <utility>

namespace longalign::serve {

namespace {

Json string_or_null(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

}  // namespace

ApiError::ApiError(int status, const std::string& message, std::string type, std::string param,
                   std::string code)
    : std::runtime_error(message),
      status_(status),
      type_(std::move(type)),
      param_(std::move(param)),
      code_(std::move(code)) {}

Json ApiError::body() const {
  return {{"error",
           {{"message", what()},
            {"type", type_},
            {"param", string_or_null(param_)},
            {"code", string_or_null(code_)}}}};
}

ApiError invalid_field(const std::string& param, const std::string& message) {
  return ApiError(400, param + ": " + message, "invalid_request_error", param);
}

}  // namespace longalign::serve
