#include "serve/sse.h"

namespace longalign::serve {

std::string sse_event(const Json& payload) {
  // Invalid UTF-8 (a model can emit half a character's bytes) becomes U+FFFD instead of an
  // exception that would cut the stream.
  return "data: " + payload.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
}

std::string sse_done() {
  return "data: [DONE]\n\n";
}

}  // namespace longalign::serve
