#include "core/file_io.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace longalign {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  const fs::path dir =
      fs::temp_directory_path() / ("longalign_core_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir;
}

TEST(FileIo, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  const fs::path dir = temp_dir();
  const fs::path file = dir / "out.txt";
  write_file_atomic(file, "first version, longer than the second");
  write_file_atomic(file, "second");
  EXPECT_EQ(read_file(file), "second");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
  fs::remove_all(dir);
}

TEST(FileIo, FailedWriteKeepsTheOldFile) {
  const fs::path dir = temp_dir();
  const fs::path file = dir / "keep.txt";
  write_file_atomic(file, "old");
  // Renaming a file over a non-empty directory fails; the old content of `file` is untouched.
  fs::create_directories(dir / "blocker" / "x");
  EXPECT_THROW(write_file_atomic(dir / "blocker", "new"), Error);
  EXPECT_EQ(read_file(file), "old");
  fs::remove_all(dir);
}

TEST(FileIo, StreamedWriteAppearsOnlyOnCommit) {
  const fs::path dir = temp_dir();
  const fs::path file = dir / "streamed.bin";
  {
    AtomicFileWriter out(file);
    out.write("abc", 3);
    out.write("def", 3);
    EXPECT_FALSE(fs::exists(file));
    out.commit();
  }
  EXPECT_EQ(read_file(file), "abcdef");
  // Abandoned before commit (as when an error unwinds through it): the old file stays, and the
  // temporary is gone.
  {
    AtomicFileWriter out(file);
    out.write("partial", 7);
  }
  EXPECT_EQ(read_file(file), "abcdef");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
  fs::remove_all(dir);
}

TEST(FileIo, ReadErrorsNameThePath) {
  try {
    read_file("/nonexistent/longalign/file.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/longalign/file.json"), std::string::npos);
  }
  try {
    read_file(fs::temp_directory_path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos);
  }
}

}  // namespace
}  // namespace longalign
