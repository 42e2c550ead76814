// Writes that hit a full disk (a per-file size cap, FileSizeLimit): an atomic file write fails
// with an error that names the file and leaves the old file as it was; a JSONL log append (the
// evaluation and self-instruct outputs) fails the same way and leaves whole lines only, which
// still load; once there is room again both succeed.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/file_io.h"
#include "core/jsonl_appender.h"
#include "full_disk.h"
#include "test_support.h"

namespace longalign {
namespace {

using testing::contains;
using testing::error_of;
using testing::FileSizeLimit;
using testing::TempDir;

TEST(FullDisk, AtomicWriteKeepsTheOldFile) {
  TempDir dir;
  const auto file = dir.path() / "meta.json";
  write_file_atomic(file, "old contents\n");
  const std::string big(64 * 1024, 'x');
  {
    FileSizeLimit limit(4096);
    const std::string message = error_of([&] { write_file_atomic(file, big); });
    EXPECT_TRUE(contains(message, file.string() + ": write failed: File too large")) << message;
    EXPECT_TRUE(contains(message, "meta.json is unchanged")) << message;
  }
  EXPECT_EQ(read_file(file), "old contents\n");
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename(), "meta.json") << "a temporary file was left behind";
  }
  write_file_atomic(file, big);
  EXPECT_EQ(read_file(file), big);
}

TEST(FullDisk, LogAppendKeepsWholeLinesThatStillLoad) {
  TempDir dir;
  const auto file = dir.path() / "results.jsonl";
  JsonlAppender log(file);
  for (int i = 0; i < 3; ++i) log.append({{"i", i}});
  const auto before = std::filesystem::file_size(file);
  {
    // Room for part of the next line only: the write stops part way.
    FileSizeLimit limit(before + 100);
    const std::string message = error_of([&] {
      log.append({{"i", 3}, {"text", std::string(5000, 'y')}});
    });
    EXPECT_TRUE(contains(message, file.string() + ": write failed: File too large")) << message;
  }
  EXPECT_EQ(std::filesystem::file_size(file), before) << "the partial line was not cut off";
  const RecoveredJsonl back = recover_jsonl(file);
  EXPECT_EQ(back.dropped_bytes, 0u);
  ASSERT_EQ(back.lines.size(), 3u);
  EXPECT_EQ(back.lines[2].record["i"], 2);
  log.append({{"i", 4}});
  const RecoveredJsonl after = recover_jsonl(file);
  ASSERT_EQ(after.lines.size(), 4u);
  EXPECT_EQ(after.lines[3].record["i"], 4);
}

TEST(FullDisk, AMissingFolderIsAClearError) {
  TempDir dir;
  const auto missing = dir.path() / "no" / "such" / "folder" / "out.jsonl";
  EXPECT_TRUE(contains(error_of([&] { JsonlAppender log(missing); }),
                       missing.string() + ": cannot open for appending: No such file"));
  EXPECT_TRUE(contains(error_of([&] { read_file(missing); }), missing.string()));
}

}  // namespace
}  // namespace longalign
