// Server-Sent Events framing for streamed answers: each chunk is one `data: <json>` event, and
// `data: [DONE]` ends the stream, as OpenAI's clients expect.
#pragma once

#include <string>

#include "core/json.h"

namespace longalign::serve {

// "data: <json on one line>\n\n". JSON's dump escapes newlines inside strings, so the payload is
// always one line and no event can be split.
std::string sse_event(const Json& payload);

// "data: [DONE]\n\n".
std::string sse_done();

}  // namespace longalign::serve
