#include "core/jsonl_appender.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/file_io.h"

namespace longalign {

namespace fs = std::filesystem;

namespace {

Error system_error(const fs::path& file, const char* what) {
  return Error(file.string() + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

RecoveredJsonl recover_jsonl(const fs::path& file) {
  RecoveredJsonl out;
  if (!fs::exists(file)) return out;
  const std::string text = read_file(file);
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  out.dropped_bytes = text.size() - complete;
  if (out.dropped_bytes > 0) {
    std::error_code ec;
    fs::resize_file(file, complete, ec);
    if (ec) throw Error(file.string() + ": cannot truncate: " + ec.message());
  }
  size_t line_number = 0;
  for (size_t begin = 0; begin < complete;) {
    const size_t end = text.find('\n', begin);
    const std::string_view line(text.data() + begin, end - begin);
    begin = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(line_number);
    Json record = parse_json_line(line, where);
    if (!record.is_object()) throw Error(where + ": expected a JSON object");
    out.lines.push_back({line_number, std::move(record)});
  }
  return out;
}

JsonlAppender::JsonlAppender(const fs::path& file) : file_(file) {
  fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw system_error(file, "cannot open for appending");
}

JsonlAppender::~JsonlAppender() {
  if (fd_ >= 0) ::close(fd_);
}

void JsonlAppender::append(const Json& record) {
  // Text a model produced may hold broken UTF-8: it becomes U+FFFD rather than losing the line.
  const std::string line = record.dump(-1, ' ', false, Json::error_handler_t::replace) + '\n';
  std::lock_guard lock(mutex_);
  // A regular file takes the whole buffer in one write; the loop only matters when the disk
  // fills up part way. Then the part written is cut off again, so the file keeps whole lines
  // only, and the failure is reported.
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  for (size_t written = 0; written < line.size();) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const Error failure = system_error(file_, "write failed");
      if (before >= 0 && written > 0 && ::ftruncate(fd_, before) != 0) {
        throw system_error(file_, "write failed, and cutting off the partial line failed too");
      }
      throw failure;
    }
    written += static_cast<size_t>(n);
  }
}

}  // namespace longalign
