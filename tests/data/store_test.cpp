// The tokenized store: what the writer writes the reader maps back; damaged stores are clear
// errors naming the file; an existing store is replaced only by a complete one.
#include "data/store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "test_support.h"

namespace longalign::data {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

StoreInfo info() {
  StoreInfo i;
  i.tokenizer_source = "tok.json";
  i.tokenizer_hash = "0123456789abcdef";
  i.chat_template = "llama3";
  i.max_length = 64;
  i.truncation = "right";
  return i;
}

struct Sample3 {
  std::vector<uint32_t> ids;
  std::vector<uint8_t> mask;
  uint32_t source;
};

std::vector<Sample3> examples() {
  return {{{1, 2, 3, 4}, {0, 0, 1, 1}, 0},
          {{}, {}, 1},
          {{70000, 5, 0xffffffffu}, {1, 0, 1}, 2},
          {{9}, {0}, 0}};
}

fs::path write_store(const fs::path& dir) {
  StoreWriter w(dir, info());
  for (const auto& s : examples()) w.add(s.ids, s.mask, s.source);
  w.finish({{"report.json", "{}\n"}});
  return dir;
}

std::string message_of(const fs::path& dir) {
  try {
    StoreReader r(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Store, RoundTrip) {
  TempDir tmp;
  const fs::path dir = write_store(tmp.path() / "s");
  StoreReader r(dir);
  const auto ex = examples();
  ASSERT_EQ(r.size(), ex.size());
  for (size_t i = 0; i < ex.size(); ++i) {
    const auto ids = r.ids(i);
    const auto mask = r.mask(i);
    EXPECT_EQ(std::vector<uint32_t>(ids.begin(), ids.end()), ex[i].ids) << i;
    EXPECT_EQ(std::vector<uint8_t>(mask.begin(), mask.end()), ex[i].mask) << i;
    EXPECT_EQ(r.entry(i).source, ex[i].source);
  }
  const auto samples = r.samples();
  EXPECT_EQ(samples[0].length, 4u);
  EXPECT_EQ(samples[0].targets, 2u);
  EXPECT_EQ(samples[2].targets, 2u);
  EXPECT_EQ(r.meta()["template"], "llama3");
  EXPECT_EQ(r.meta()["tokens"], 8u);
  EXPECT_EQ(r.meta()["target_tokens"], 4u);
  EXPECT_TRUE(fs::exists(dir / "report.json"));
  EXPECT_EQ(fs::file_size(dir / "index"), 4 * kStoreIndexRecordSize);
  // Little-endian on disk.
  std::ifstream in(dir / "tokens.u32", std::ios::binary);
  unsigned char b[4];
  in.read(reinterpret_cast<char*>(b), 4);
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(b[1], 0);
}

TEST(Store, TruncatedFilesAreErrorsNamingTheFile) {
  TempDir tmp;
  for (const char* name : {"tokens.u32", "mask.u8", "index"}) {
    const fs::path dir = write_store(tmp.path() / name);
    fs::resize_file(dir / name, fs::file_size(dir / name) - 1);
    const std::string m = message_of(dir);
    EXPECT_TRUE(contains(m, (dir / name).string())) << m;
    EXPECT_TRUE(contains(m, "truncated")) << m;
  }
  const fs::path dir = write_store(tmp.path() / "meta");
  { std::ofstream(dir / "meta.json") << "{\"format\": \"longalign-store\", \"version\": 1"; }
  EXPECT_TRUE(contains(message_of(dir), "meta.json")) << message_of(dir);
  EXPECT_TRUE(contains(message_of(tmp.path() / "missing"), "not a tokenized store"));
}

TEST(Store, InconsistentIndexIsAnError) {
  TempDir tmp;
  const fs::path dir = write_store(tmp.path() / "s");
  {
    std::fstream f(dir / "index", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(kStoreIndexRecordSize);  // offset of record 1
    f.put(static_cast<char>(7));
  }
  const std::string m = message_of(dir);
  EXPECT_TRUE(contains(m, "index: record 1 is inconsistent")) << m;
}

TEST(Store, ReplacedOnlyWhenComplete) {
  TempDir tmp;
  const fs::path dir = write_store(tmp.path() / "s");
  {
    StoreWriter w(dir, info());
    const std::vector<uint32_t> ids = {42};
    const std::vector<uint8_t> mask = {1};
    w.add(ids, mask, 0);
    // Not finished: the old store must be untouched, and no temporary left behind.
  }
  EXPECT_EQ(StoreReader(dir).size(), 4u);
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);

  StoreWriter w(dir, info());
  const std::vector<uint32_t> ids = {42};
  const std::vector<uint8_t> mask = {1};
  w.add(ids, mask, 0);
  w.finish();
  StoreReader r(dir);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.ids(0)[0], 42u);
  entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(Store, DoesNotReplaceWhatIsNotAStore) {
  TempDir tmp;
  const auto file = tmp.write("notes/keep.txt", "mine");
  StoreWriter w(tmp.path() / "notes", info());
  try {
    w.finish();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "is not a tokenized store")) << e.what();
  }
  EXPECT_EQ(testing::read_text_file(file), "mine");
}

TEST(Store, MismatchedMaskIsRejected) {
  TempDir tmp;
  StoreWriter w(tmp.path() / "s", info());
  const std::vector<uint32_t> ids = {1, 2};
  const std::vector<uint8_t> mask = {1};
  EXPECT_THROW(w.add(ids, mask, 0), Error);
}

TEST(Store, HistogramIsLogSpaced) {
  const Json h = length_histogram_json({1, 3, 3, 1000});
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1]["min"], 2u);
  EXPECT_EQ(h[1]["count"], 2u);
  EXPECT_EQ(h[2]["min"], 512u);
}

}  // namespace
}  // namespace longalign::data
