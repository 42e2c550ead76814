// Whole-file reads and atomic writes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace longalign {

// Reads a whole file; throws Error naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

// Writes `data` to a temporary file beside `path`, flushes it to disk and renames it over `path`,
// so a reader sees either the old file or the new one, never half of one.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

// Puts the folder `staged` (complete, beside `target`) in place of `target` in one step: an
// existing `target` is exchanged with it (renameat2 RENAME_EXCHANGE) and then deleted, so a
// reader sees the old folder or the new one, never a mix. Error naming `target` when it cannot.
void replace_directory(const std::filesystem::path& staged, const std::filesystem::path& target);

// The streaming form of write_file_atomic, for files too large to build in memory (model
// weights): write() appends to a temporary file beside `path`; commit() flushes it and renames it
// over `path`. Destroyed without commit() (an error on the way), it removes the temporary, so
// `path` is never left half-written.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t bytes);
  void commit();

 private:
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
};

}  // namespace longalign
