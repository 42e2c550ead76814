// libFuzzer target for what the OpenAI client reads from a server anywhere (serve/client_*.h):
// streamed answers (Server-Sent Events of chat.completion.chunk objects), whole responses and
// error bodies.
//
// The first byte picks the mode:
//   0x00-0x3F  raw stream: the rest is the bytes of an event stream.
//   0x40-0x7F  raw body: the rest is a response body, read as a chat completion and as an error.
//   0x80-0xFF  structured stream: choices that assemble events the way servers write them (role,
//              content deltas, finish reasons, usage chunks with odd counts, error events,
//              comments, other fields, CRLF or LF, data split over lines, [DONE], garbage).
// Every stream is fed once whole and once in pieces whose sizes come from the input: the two
// readings must agree (text, finish reason, usage, failure, [DONE]), the deltas handed to the
// callback must add up to the text, and token counts must not go negative. Nothing may throw.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "fuzz_support.h"
#include "serve/client_chat.h"
#include "serve/client_error.h"
#include "serve/client_stream.h"

namespace {

namespace serve = longalign::serve;
using longalign::Json;
using longalign::fuzz::finding;

struct Reading {
  std::string text, finish, failure, deltas;
  int64_t prompt = 0, completion = 0;
  bool done = false, failed = false;
};

Reading read_stream(std::string_view bytes, const std::vector<size_t>& cuts) {
  Reading r;
  serve::ChatStreamReader reader([&](std::string_view delta) { r.deltas.append(delta); });
  size_t at = 0;
  for (size_t cut : cuts) {
    const size_t n = std::min(cut, bytes.size() - at);
    reader.feed(bytes.substr(at, n));
    at += n;
  }
  reader.feed(bytes.substr(at));
  r.text = reader.result().text;
  r.finish = reader.result().finish_reason;
  r.prompt = reader.result().usage.prompt_tokens;
  r.completion = reader.result().usage.completion_tokens;
  r.done = reader.done();
  r.failed = reader.failure().has_value();
  if (r.failed) r.failure = reader.failure()->message;
  return r;
}

void check_stream(std::string_view bytes, const std::vector<size_t>& cuts) {
  const Reading whole = read_stream(bytes, {});
  const Reading pieces = read_stream(bytes, cuts);
  if (whole.text != pieces.text || whole.finish != pieces.finish || whole.done != pieces.done ||
      whole.failed != pieces.failed || whole.failure != pieces.failure ||
      whole.prompt != pieces.prompt || whole.completion != pieces.completion) {
    finding("the stream reads differently when it arrives in pieces");
  }
  if (whole.deltas != whole.text) finding("the deltas do not add up to the text");
  if (whole.prompt < 0 || whole.completion < 0) finding("negative token counts");
}

std::string chunk_event(FuzzedDataProvider& in) {
  Json chunk = {{"object", "chat.completion.chunk"}};
  Json choice = {{"index", 0}};
  switch (in.ConsumeIntegralInRange(0, 9)) {
    case 0:
      choice["delta"] = {{"role", "assistant"}, {"content", ""}};
      break;
    case 1:
      choice["delta"] = Json::object();
      choice["finish_reason"] = in.ConsumeBool() ? Json("stop") : Json(7);
      break;
    case 2:
      chunk["usage"] = {{"prompt_tokens", in.ConsumeIntegral<int64_t>()},
                        {"completion_tokens", in.ConsumeIntegralInRange<int64_t>(0, 99)}};
      break;
    case 3:
      chunk["error"] = {{"message", in.ConsumeRandomLengthString(16)}, {"type", "server_error"}};
      break;
    case 4:
      choice["delta"] = {{"content", in.ConsumeBool() ? Json(nullptr) : Json(42)}};
      break;
    default:
      choice["delta"] = {{"content", in.ConsumeRandomLengthString(12)}};
  }
  if (!choice.contains("delta") && !choice.contains("finish_reason")) {
    chunk["choices"] = Json::array();
  } else {
    chunk["choices"] = {choice};
  }
  return chunk.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string structured_stream(FuzzedDataProvider& in) {
  const std::string eol = in.ConsumeBool() ? "\r\n" : "\n";
  std::string out;
  const int events = in.ConsumeIntegralInRange(0, 12);
  for (int e = 0; e < events; ++e) {
    switch (in.ConsumeIntegralInRange(0, 11)) {
      case 0:
        out += ": keep-alive" + eol + eol;
        break;
      case 1:
        out += "event: message" + eol + "id: " + std::to_string(e) + eol;
        break;
      case 2:
        out += "data: [DONE]" + eol + eol;
        break;
      case 3:
        out += "data: " + in.ConsumeRandomLengthString(24) + eol + eol;
        break;
      case 4: {
        // One JSON object split over two data lines: SSE joins them with a newline.
        const std::string chunk = chunk_event(in);
        const size_t half = chunk.size() / 2;
        out += "data: " + chunk.substr(0, half) + eol + "data:" + chunk.substr(half) + eol + eol;
        break;
      }
      default:
        out += "data: " + chunk_event(in) + eol + eol;
    }
  }
  return out;
}

std::vector<size_t> cuts_from(FuzzedDataProvider& in) {
  std::vector<size_t> cuts(in.ConsumeIntegralInRange<size_t>(0, 16));
  for (size_t& c : cuts) c = in.ConsumeIntegralInRange<size_t>(0, 64);
  return cuts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] < 0x40) {
    std::vector<size_t> cuts;
    for (size_t i = 0; i < rest.size() && cuts.size() < 16; i += 7) {
      cuts.push_back(static_cast<unsigned char>(rest[i]) % 13);
    }
    check_stream(rest, cuts);
  } else if (data[0] < 0x80) {
    const serve::ParsedChat parsed = serve::parse_chat_response(rest);
    if (parsed.result) {
      if (parsed.result->usage.prompt_tokens < 0 || parsed.result->usage.completion_tokens < 0) {
        finding("negative token counts");
      }
    } else if (parsed.failure.message.empty()) {
      finding("a failed response without a message");
    }
    if (serve::error_info_from_body(400, rest).message.empty())
      finding("an error without a message");
  } else {
    FuzzedDataProvider in(data + 1, size - 1);
    const std::vector<size_t> cuts = cuts_from(in);
    check_stream(structured_stream(in), cuts);
  }
  return 0;
}
