// Reads a streamed chat completion: server-sent events whose `data:` lines carry
// chat.completion.chunk objects, ended by `data: [DONE]`. Bytes arrive in arbitrary pieces; the
// reader reassembles lines and events, hands each content delta to a callback and concatenates
// them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "serve/client_chat.h"
#include "serve/client_error.h"

namespace longalign::serve {

using DeltaHandler = std::function<void(std::string_view delta)>;

class ChatStreamReader {
 public:
  explicit ChatStreamReader(DeltaHandler on_delta) : on_delta_(std::move(on_delta)) {}

  // Consumes the next bytes of the stream. Returns false once the stream has failed (an error
  // event, a chunk that is not JSON); failure() then says why and further bytes are ignored.
  bool feed(std::string_view bytes);

  bool done() const { return done_; }            // [DONE] seen
  bool delivered() const { return delivered_; }  // a delta reached the callback
  const std::optional<ClientErrorInfo>& failure() const { return failure_; }
  ChatResult& result() { return result_; }

 private:
  void on_line(std::string_view line);
  void dispatch_event();
  void on_chunk(const Json& chunk);
  void fail(ClientErrorInfo info);

  DeltaHandler on_delta_;
  std::string pending_line_;  // bytes after the last newline
  std::string event_data_;    // data lines of the event being assembled
  bool has_data_ = false;
  bool done_ = false;
  bool delivered_ = false;
  std::optional<ClientErrorInfo> failure_;
  ChatResult result_;
};

}  // namespace longalign::serve
