// The JSON the server answers with, in OpenAI's shapes: chat.completion and text_completion
// objects, the chunks of a streamed answer, usage, and the model list.
#pragma once

#include <cstdint>
#include <string>

#include "core/json.h"
#include "infer/generation.h"
#include "serve/openai_request.h"

namespace longalign::serve {

// What every chunk of one answer repeats.
struct ResponseHead {
  Endpoint endpoint = Endpoint::chat;
  std::string id;       // "chatcmpl-<hex>" or "cmpl-<hex>"
  int64_t created = 0;  // Unix seconds
  std::string model;
};

// A fresh id and the current time.
ResponseHead new_response_head(Endpoint endpoint, const std::string& model);

Json usage_json(const infer::GenerationResult& result);

// The whole answer: a chat.completion (message) or a text_completion (text).
Json completion_json(const ResponseHead& head, const infer::GenerationResult& result);

// Streamed chunks. With `include_usage` every chunk carries "usage": null, as OpenAI's do, and
// usage_chunk (choices: []) closes the stream.
Json role_chunk(const ResponseHead& head, bool include_usage);  // chat only: the assistant role
Json text_chunk(const ResponseHead& head, const std::string& delta, bool include_usage);
Json finish_chunk(const ResponseHead& head, infer::FinishReason finish, bool include_usage);
Json usage_chunk(const ResponseHead& head, const infer::GenerationResult& result);

// GET /v1/models/{id} and GET /v1/models.
Json model_json(const std::string& name, int64_t created, int64_t max_model_len);
Json model_list_json(const std::string& name, int64_t created, int64_t max_model_len);

}  // namespace longalign::serve
