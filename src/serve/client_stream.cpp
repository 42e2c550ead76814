#include "serve/client_stream.h"

#include <string>

namespace longalign::serve {

namespace {

// No chunk of a chat stream comes near this; a server sending more in one line or event is broken
// or hostile, and reading on would hold its bytes in memory without end.
constexpr size_t kMaxEventBytes = size_t{16} << 20;

}  // namespace

bool ChatStreamReader::feed(std::string_view bytes) {
  size_t start = 0;
  while (!failure_ && !done_) {
    const size_t newline = bytes.find('\n', start);
    const size_t end = newline == std::string_view::npos ? bytes.size() : newline;
    if (pending_line_.size() + (end - start) + event_data_.size() > kMaxEventBytes) {
      fail({200, "stream event longer than " + std::to_string(kMaxEventBytes) + " bytes", {}, {}});
      break;
    }
    if (newline == std::string_view::npos) {
      pending_line_.append(bytes.substr(start));
      break;
    }
    pending_line_.append(bytes.substr(start, newline - start));
    std::string line = std::move(pending_line_);
    pending_line_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    on_line(line);
    start = newline + 1;
  }
  return !failure_;
}

// SSE: "data:" lines accumulate (joined by newlines) until a blank line ends the event; comments
// (":") and other fields (event, id, retry) carry nothing a chat stream needs.
void ChatStreamReader::on_line(std::string_view line) {
  if (line.empty()) {
    dispatch_event();
    return;
  }
  if (!line.starts_with("data:")) return;
  line.remove_prefix(5);
  if (line.starts_with(' ')) line.remove_prefix(1);
  if (has_data_) event_data_ += '\n';
  event_data_.append(line);
  has_data_ = true;
}

void ChatStreamReader::dispatch_event() {
  if (!has_data_) return;
  const std::string data = std::move(event_data_);
  event_data_.clear();
  has_data_ = false;
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  const Json chunk = Json::parse(data, nullptr, false);
  if (!chunk.is_object()) {
    fail({200, "malformed stream chunk: " + data.substr(0, 200), {}, {}});
    return;
  }
  on_chunk(chunk);
}

void ChatStreamReader::on_chunk(const Json& chunk) {
  // A server that fails mid-stream can only say so in the stream: the status was already 200.
  if (const auto e = chunk.find("error"); e != chunk.end()) {
    fail(error_info_from_body(200, chunk.dump()));
    return;
  }
  if (const auto u = chunk.find("usage"); u != chunk.end()) read_usage(*u, result_.usage);
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty()) return;
  const Json& choice = (*choices)[0];
  if (const auto f = choice.find("finish_reason"); f != choice.end() && f->is_string()) {
    result_.finish_reason = f->get<std::string>();
  }
  const auto delta = choice.find("delta");
  if (delta == choice.end() || !delta->is_object()) return;
  const auto content = delta->find("content");
  if (content == delta->end() || !content->is_string()) return;
  const std::string& text = content->get_ref<const std::string&>();
  if (text.empty()) return;
  result_.text += text;
  delivered_ = true;
  if (on_delta_) on_delta_(text);
}

void ChatStreamReader::fail(ClientErrorInfo info) {
  failure_ = std::move(info);
}

}  // namespace longalign::serve
