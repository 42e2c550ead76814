// Whole-file reads and atomic writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace longalign {

// Reads a whole file; throws Error naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

// Writes `data` to a temporary file beside `path`, flushes it to disk and renames it over `path`,
// so a reader sees either the old file or the new one, never half of one.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

}  // namespace longalign
