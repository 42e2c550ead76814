// Fault injection for the tests of what happens when the disk fills up.
//   FileSizeLimit  caps the size of any file this process writes (RLIMIT_FSIZE, with SIGXFSZ
//                  ignored): a write past the cap fails with EFBIG, as it would with ENOSPC on a
//                  full disk. Works for any user; used in-process and, through limited_command
//                  and run_longalign_limited, for a CLI run.
//   SmallTmpfs     mounts a real tmpfs of a given size (root only; the test is skipped otherwise),
//                  for a disk that is full in total rather than per file.
#pragma once

#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace longalign::testing {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) ADD_FAILURE() << "setrlimit: " << strerror(errno);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t previous_handler_ = SIG_DFL;
};

// `command` run by a shell in which no file may grow past `kib` KiB (SIGXFSZ ignored, so the write
// fails with EFBIG instead of killing the process).
inline std::string limited_command(const std::string& command, int kib) {
  return "bash -c " +
         shell_quote("trap '' XFSZ; ulimit -f " + std::to_string(kib) + "; exec " + command);
}

#ifdef LONGALIGN_CLI
// `longalign ARGS` (ARGS as shell words) run with no file allowed past `kib` KiB.
inline CliResult run_longalign_limited(const std::string& args, int kib) {
  TempDir logs;
  CliResult r;
  r.code = run_command(limited_command(shell_quote(LONGALIGN_CLI) + " " + args, kib) + " >" +
                       shell_quote((logs.path() / "out").string()) + " 2>" +
                       shell_quote((logs.path() / "err").string()));
  r.out = read_text_file(logs.path() / "out");
  r.err = read_text_file(logs.path() / "err");
  return r;
}
#endif

class SmallTmpfs {
 public:
  // Mounts a tmpfs of `bytes` at a fresh folder; mounted() is false when that is not allowed.
  explicit SmallTmpfs(size_t bytes) {
    if (geteuid() != 0) return;
    const std::string options = "size=" + std::to_string(bytes);
    mounted_ = mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::filesystem::path& path() const { return dir_.path(); }
  // Gives the mounted tmpfs a new size, larger or smaller than what it holds.
  bool resize(size_t bytes) { return remount(bytes, 0); }
  // Mounts it read-only: even root cannot write there then.
  bool make_read_only(size_t bytes) { return remount(bytes, MS_RDONLY); }

 private:
  bool remount(size_t bytes, unsigned long flags) {
    const std::string options = "size=" + std::to_string(bytes);
    return mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT | flags, options.c_str()) == 0;
  }

  TempDir dir_;
  bool mounted_ = false;
};

}  // namespace longalign::testing
