// `longalign serve` as the server tests run it: a tiny random model with the real Llama-2
// tokenizer, and the built binary started on a free port and stopped with a signal.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace longalign::testing {

// Llama-2's 32000-token vocabulary on two small layers: quick to run, and slow enough per token
// (the LM head) that a long answer takes a while. max_position_embeddings is the context.
constexpr const char* kServeTinyConfig = R"({"model_type": "llama", "hidden_size": 64,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "intermediate_size": 128, "vocab_size": 32000, "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-5, "initializer_range": 0.05})";
constexpr int64_t kServeTinyContext = 2048;

// Writes the tiny model to `dir`/model and returns its path.
inline fs::path make_serve_model(const TempDir& dir) {
  const fs::path config = dir.write("config.json", kServeTinyConfig), out = dir.path() / "model";
  const CliResult r = run_longalign(
      shell_words({"model", "init", "--config", config.string(), "--tokenizer",
                   npm_tokenizer_dir("llama2").string(), "-o", out.string(), "--seed", "7"}));
  if (r.code != 0) ADD_FAILURE() << "model init failed: " << r.err;
  return out;
}

class ServeProcess {
 public:
  // Starts `longalign serve --port 0` plus `args`, and waits for its "listening on" line.
  ServeProcess(const TempDir& dir, const std::vector<std::string>& args)
      : log_(dir.path() / "log") {
    std::vector<std::string> words{LONGALIGN_CLI, "serve", "--port", "0"};
    words.insert(words.end(), args.begin(), args.end());
    int out[2];
    if (pipe(out) != 0) std::abort();
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      const int err = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(err, 2);
      close(out[0]);
      std::vector<char*> argv;
      for (std::string& w : words) argv.push_back(w.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    stdout_ = out[0];
    const std::string line = read_line(std::chrono::seconds(60));
    const std::string prefix = "listening on http://127.0.0.1:";
    if (line.rfind(prefix, 0) != 0) {
      ADD_FAILURE() << "serve did not start: stdout \"" << line << "\", stderr:\n" << log();
      return;
    }
    port_ = std::stoi(line.substr(prefix.size()));
  }

  ~ServeProcess() {
    if (pid_ > 0) stop(SIGKILL);
    if (stdout_ >= 0) close(stdout_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return read_text_file(log_); }

  // Sends `signal` and returns the exit code (128 + the signal for a process it killed).
  int stop(int signal = SIGTERM) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  // One line of the server's stdout, or what came before the timeout or its exit.
  std::string read_line(std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c;
      if (read(stdout_, &c, 1) != 1 || c == '\n') break;
      line += c;
    }
    return line;
  }

  fs::path log_;
  pid_t pid_ = -1;
  int stdout_ = -1;
  int port_ = 0;
};

}  // namespace longalign::testing
