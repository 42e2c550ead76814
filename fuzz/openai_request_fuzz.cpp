// libFuzzer target for the server's request parser (serve/openai_request.h): the body of
// POST /v1/chat/completions and /v1/completions, as a client anywhere may send it.
//
// The first byte picks the mode and the endpoint (bit 0: chat or completions):
//   0x00-0x3F  raw: the rest is the request body.
//   0x40-0xFF  structured: choices that assemble a body from OpenAI's field names (model,
//              messages with every role and content shape, prompt, sampling fields, seed,
//              max_tokens, stop, stream options, the refused fields) with values from a menu of
//              right and wrong types and edge values. Raw JSON rarely spells the fields; this
//              reaches every check.
// An ApiError with status 400 is the right answer to a bad body; anything else, an exception of
// another type included (the server would answer 500), is a finding. An accepted request must be
// one the server can run: messages in the order the templates render, ending with a user turn;
// sampling fields in their ranges; max_tokens positive; no empty stop string; and within the
// documented limits.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "fuzz_support.h"
#include "serve/api_error.h"
#include "serve/openai_request.h"

namespace {

namespace serve = longalign::serve;
using longalign::Json;
using longalign::data::Role;
using longalign::fuzz::finding;

Json any_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 10)) {
    case 0:
      return nullptr;
    case 1:
      return in.ConsumeBool();
    case 2:
      return in.ConsumeIntegral<int64_t>();
    case 3:
      return in.ConsumeIntegral<uint64_t>();
    case 4:
      return in.ConsumeFloatingPoint<double>();
    case 5:
      return in.ConsumeProbability<double>() * 3 - 0.5;
    case 6:
      return in.ConsumeRandomLengthString(16);
    case 7:
      return Json::array({in.ConsumeRandomLengthString(8)});
    case 8:
      return Json::object({{"type", in.ConsumeBool() ? Json("text") : Json(3)}});
    case 9:
      return in.ConsumeIntegralInRange<int64_t>(-2, 4);
    default:
      return Json::array();
  }
}

Json message(FuzzedDataProvider& in) {
  static const char* const kRoles[] = {"system", "developer", "user", "assistant", "tool", ""};
  Json m = Json::object();
  if (in.ConsumeIntegralInRange(0, 15)) m["role"] = kRoles[in.ConsumeIntegralInRange(0, 5)];
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
      m["content"] = any_value(in);
      break;
    case 1: {
      Json parts = Json::array();
      const int n = in.ConsumeIntegralInRange(0, 3);
      for (int i = 0; i < n; ++i) {
        parts.push_back(in.ConsumeBool()
                            ? Json{{"type", "text"}, {"text", in.ConsumeRandomLengthString(16)}}
                            : Json{{"type", any_value(in)}, {"text", any_value(in)}});
      }
      m["content"] = parts;
      break;
    }
    default:
      m["content"] = in.ConsumeRandomLengthString(32);
  }
  return m;
}

Json structured_body(FuzzedDataProvider& in) {
  Json body = Json::object();
  if (in.ConsumeIntegralInRange(0, 7)) body["model"] = in.ConsumeBool() ? Json("m") : any_value(in);
  if (in.ConsumeIntegralInRange(0, 7)) {
    Json messages = Json::array();
    const int n = in.ConsumeIntegralInRange(0, in.ConsumeBool() ? 6 : 1100);
    for (int i = 0; i < n; ++i) messages.push_back(message(in));
    body["messages"] = messages;
  }
  if (in.ConsumeBool()) body["prompt"] = in.ConsumeBool() ? any_value(in) : Json("Once");
  static const char* const kFields[] = {"temperature",
                                        "top_p",
                                        "top_k",
                                        "min_p",
                                        "repetition_penalty",
                                        "seed",
                                        "max_tokens",
                                        "max_completion_tokens",
                                        "stream",
                                        "stream_options",
                                        "n",
                                        "best_of",
                                        "presence_penalty",
                                        "frequency_penalty",
                                        "logprobs",
                                        "top_logprobs",
                                        "echo",
                                        "suffix",
                                        "logit_bias",
                                        "tools",
                                        "functions",
                                        "response_format",
                                        "user",
                                        "stop"};
  const int fields = in.ConsumeIntegralInRange(0, 8);
  for (int i = 0; i < fields; ++i) {
    const char* key = kFields[in.ConsumeIntegralInRange<size_t>(0, std::size(kFields) - 1)];
    body[key] = any_value(in);
  }
  if (in.ConsumeBool()) {
    Json stop = Json::array();
    const int n = in.ConsumeIntegralInRange(0, in.ConsumeBool() ? 4 : 40);
    for (int i = 0; i < n; ++i)
      stop.push_back(in.ConsumeRandomLengthString(in.ConsumeBool() ? 8 : 2000));
    body["stop"] = stop;
  }
  if (in.ConsumeBool()) body["stream_options"] = {{"include_usage", any_value(in)}};
  return body;
}

void check_accepted(const serve::CompletionRequest& r) {
  if (r.endpoint == serve::Endpoint::chat) {
    Role expected = Role::user;
    bool started = false;
    for (const auto& m : r.messages) {
      if (m.role == Role::system) {
        if (started) finding("a system message after the conversation started");
        continue;
      }
      if (m.role != expected) finding("user and assistant messages do not alternate");
      started = true;
      expected = expected == Role::user ? Role::assistant : Role::user;
    }
    if (!started || expected != Role::assistant) finding("the last message is not a user turn");
    if (r.messages.size() > serve::kMaxMessages) finding("more messages than the limit");
  }
  const auto& s = r.sampling;
  if (!(s.temperature >= 0 && s.temperature <= 2) || !(s.top_p > 0 && s.top_p <= 1) ||
      s.top_k < 0 || !(s.min_p >= 0 && s.min_p <= 1) ||
      !(s.repetition_penalty > 0 && s.repetition_penalty <= 10)) {
    finding("a sampling field out of its range");
  }
  if (r.max_tokens && *r.max_tokens < 1) finding("max_tokens below 1");
  if (r.stop.size() > serve::kMaxStopStrings) finding("more stop strings than the limit");
  for (const std::string& stop : r.stop) {
    if (stop.empty() || stop.size() > serve::kMaxStopBytes) finding("a stop string out of bounds");
  }
  if (r.include_usage && !r.stream) finding("include_usage without stream");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const serve::Endpoint endpoint =
      data[0] & 1 ? serve::Endpoint::completion : serve::Endpoint::chat;
  try {
    Json body;
    if (data[0] < 0x40) {
      body = serve::parse_body(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
    } else {
      // Written out and parsed again, as the server receives it: its parser admits only valid
      // UTF-8, which the strings drawn here need not be.
      FuzzedDataProvider in(data + 1, size - 1);
      body = serve::parse_body(
          structured_body(in).dump(-1, ' ', false, Json::error_handler_t::replace));
    }
    check_accepted(serve::parse_completion_request(body, endpoint));
  } catch (const serve::ApiError& e) {
    if (e.status() != 400)
      finding("a request was refused with status " + std::to_string(e.status()));
    if (e.body().dump(-1, ' ', false, Json::error_handler_t::replace).empty()) {
      finding("an empty error body");
    }
  }
  return 0;
}
