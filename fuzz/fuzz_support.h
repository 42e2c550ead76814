// What the fuzz targets share: a private scratch folder for the files a target writes (so the
// code under test reads a real file, as a user's would be read), and the report of a broken
// invariant. Compiled into the libFuzzer binaries and into the plain replay binaries of `make
// test` alike.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace longalign::fuzz {

// A folder of this process only (/dev/shm when present), created on first use and removed at
// exit.
const std::filesystem::path& scratch_dir();

// Replaces `path` with `bytes`; the folders above it are created.
void write_bytes(const std::filesystem::path& path, std::string_view bytes);

// Prints "FINDING: <what>" and aborts, so libFuzzer saves the input.
[[noreturn]] void finding(const std::string& what);

}  // namespace longalign::fuzz
