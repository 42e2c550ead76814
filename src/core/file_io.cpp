#include "core/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace longalign {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(path.string() + ": is a directory, expected a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open: " + errno_text());
  std::string data;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size > 0) {
    data.resize(static_cast<size_t>(size));
    in.seekg(0);
    in.read(data.data(), size);
  }
  if (in.bad()) throw Error(path.string() + ": read failed: " + errno_text());
  return data;
}

AtomicFileWriter::AtomicFileWriter(std::filesystem::path path)
    : path_(std::move(path)), tmp_(path_.string() + ".tmp." + std::to_string(::getpid())) {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(tmp_.string() + ": cannot create: " + errno_text());
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void AtomicFileWriter::write(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw Error(path_.string() + ": write failed: " + errno_text() + " (writing " +
                  tmp_.filename().string() + "; " + path_.filename().string() + " is unchanged)");
    }
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  const bool synced = ::fsync(fd_) == 0;
  const bool closed = ::close(fd_) == 0;
  fd_ = -1;
  if (!synced || !closed) {
    const std::string why = errno_text();
    ::unlink(tmp_.c_str());
    throw Error(path_.string() + ": flush failed: " + why + " (writing " +
                tmp_.filename().string() + "; " + path_.filename().string() + " is unchanged)");
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp_.c_str());
    throw Error(path_.string() + ": cannot rename into place: " + why);
  }
}

void replace_directory(const std::filesystem::path& staged, const std::filesystem::path& target) {
  if (std::filesystem::exists(target)) {
    if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
      throw Error(target.string() + ": cannot replace: " + errno_text());
    }
    std::error_code ec;
    std::filesystem::remove_all(staged, ec);  // now the old folder
    if (ec) throw Error(staged.string() + ": cannot remove the replaced folder: " + ec.message());
  } else if (::rename(staged.c_str(), target.c_str()) != 0) {
    throw Error(target.string() + ": cannot create: " + errno_text());
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data) {
  AtomicFileWriter out(path);
  out.write(data.data(), data.size());
  out.commit();
}

}  // namespace longalign
