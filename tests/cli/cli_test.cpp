// The longalign binary as scripts call it: exit codes, "error:" messages that say what and where,
// and tokenize output equal to the library's.
#include <gtest/gtest.h>

#include "core/json.h"
#include "core/version.h"
#include "test_support.h"
#include "text/tokenizer.h"

namespace longalign {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

using testing::CliResult;

// Runs the built binary with `args`, optionally feeding `stdin_text`, and captures everything.
CliResult cli(const std::vector<std::string>& args, const std::string* stdin_text = nullptr) {
  TempDir dir;
  const fs::path in = stdin_text ? dir.write("stdin", *stdin_text) : fs::path("/dev/null");
  return testing::run_longalign(testing::shell_words(args), in);
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string ids_json(const std::vector<text::TokenId>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i]);
  }
  return s + "]";
}

const std::string& llama3() {
  static const std::string dir = testing::npm_tokenizer_dir("llama3").string();
  return dir;
}

const text::Tokenizer& llama3_tokenizer() {
  static const text::Tokenizer tok = text::Tokenizer::load(llama3());
  return tok;
}

TEST(Cli, Version) {
  const CliResult r = cli({"--version"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, std::string("longalign ") + kVersion)) << r.out;
}

TEST(Cli, Help) {
  CliResult r = cli({"--help"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "tokenize")) << r.out;
  r = cli({"tokenize", "--help"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "--tokenizer")) << r.out;
  EXPECT_TRUE(contains(r.out, "--split-special")) << r.out;
}

TEST(Cli, UsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {},                                                // no subcommand
      {"frobnicate"},                                    // unknown subcommand
      {"tokenize", "--tokenizer", llama3(), "--bogus"},  // unknown flag
      {"tokenize", "--text", "hi"},                      // missing --tokenizer
      {"tokenize", "--tokenizer", llama3(), "--text", "hi", "--file", "x.txt"},  // both inputs
      {"tokenize", "--tokenizer", llama3(), "--threads", "many"},                // not a number
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    const CliResult r = cli(args);
    EXPECT_EQ(r.code, 2) << shown << "\n" << r.err;
    EXPECT_TRUE(starts_with(r.err, "error:")) << shown << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << shown << "\n" << r.out;
  }
}

TEST(Cli, MissingTokenizerExitsOneNamingThePath) {
  TempDir dir;
  const std::string missing = (dir.path() / "no-such-model").string();
  const CliResult r = cli({"tokenize", "--tokenizer", missing, "--text", "hi"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
  EXPECT_TRUE(contains(r.err, missing)) << r.err;
  // An existing directory without tokenizer files, and a broken tokenizer.json.
  const CliResult empty = cli({"tokenize", "--tokenizer", dir.path().string(), "--text", "hi"});
  EXPECT_EQ(empty.code, 1) << empty.err;
  EXPECT_TRUE(contains(empty.err, dir.path().string())) << empty.err;
  const fs::path broken = dir.write("broken/tokenizer.json", "{\"model\": [1,\n");
  const CliResult bad =
      cli({"tokenize", "--tokenizer", broken.parent_path().string(), "--text", "hi"});
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_TRUE(starts_with(bad.err, "error:")) << bad.err;
  EXPECT_TRUE(contains(bad.err, broken.string() + ":2:")) << bad.err;
}

TEST(Cli, TokenizeTextMatchesTheLibrary) {
  const std::string text = "Hello world! Long-context alignment, 12345 tokens.\n\tcafé 日本語 🚀";
  CliResult r = cli({"tokenize", "--tokenizer", llama3(), "--text", text});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, ids_json(llama3_tokenizer().encode(text)) + "\n");
  // The same text on standard input.
  r = cli({"tokenize", "--tokenizer", llama3()}, &text);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, ids_json(llama3_tokenizer().encode(text)) + "\n");
}

TEST(Cli, AddSpecialAndSplitSpecial) {
  const std::string text = "<|begin_of_text|>hi";
  CliResult r = cli({"tokenize", "--tokenizer", llama3(), "--text", text});
  EXPECT_EQ(r.out, ids_json(llama3_tokenizer().encode(text)) + "\n");
  EXPECT_TRUE(starts_with(r.out, "[128000,")) << r.out;
  r = cli({"tokenize", "--tokenizer", llama3(), "--text", "hi", "--add-special"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, ids_json(llama3_tokenizer().encode("hi", {.add_special = true})) + "\n");
  r = cli({"tokenize", "--tokenizer", llama3(), "--text", text, "--split-special"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, ids_json(llama3_tokenizer().encode(text, {.split_special = true})) + "\n");
  EXPECT_FALSE(contains(r.out, "128000")) << r.out;
}

TEST(Cli, DecodeRoundTrip) {
  const std::string text = "Round trip: «quotes», tabs\tand 🚀.";
  const std::string ids = ids_json(llama3_tokenizer().encode(text));
  CliResult r = cli({"tokenize", "--tokenizer", llama3(), "--decode", "--text", ids});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, text + "\n");
  // --skip-special drops <|begin_of_text|>.
  const std::string with_bos = ids_json(llama3_tokenizer().encode(text, {.add_special = true}));
  r = cli({"tokenize", "--tokenizer", llama3(), "--decode", "--skip-special", "--text", with_bos});
  EXPECT_EQ(r.out, text + "\n");
  r = cli({"tokenize", "--tokenizer", llama3(), "--decode", "--text", "[1, \"x\"]"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
}

TEST(Cli, JsonlPrintsOneArrayPerLine) {
  TempDir dir;
  const std::vector<std::string> texts = {"first line", "second, with \"quotes\"", "三"};
  std::string jsonl;
  for (const auto& t : texts) jsonl += Json({{"text", t}, {"id", 7}}).dump() + "\n";
  const fs::path file = dir.write("in.jsonl", jsonl);
  CliResult r = cli(
      {"tokenize", "--tokenizer", llama3(), "--jsonl", "--file", file.string(), "--threads", "2"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::string expected;
  for (const auto& t : texts) expected += ids_json(llama3_tokenizer().encode(t)) + "\n";
  EXPECT_EQ(r.out, expected);
  // Standard input works the same; --decode --jsonl turns the arrays back into JSON strings.
  r = cli({"tokenize", "--tokenizer", llama3(), "--jsonl"}, &jsonl);
  EXPECT_EQ(r.out, expected);
  r = cli({"tokenize", "--tokenizer", llama3(), "--jsonl", "--decode"}, &expected);
  EXPECT_EQ(r.code, 0) << r.err;
  std::string decoded;
  for (const auto& t : texts) decoded += Json(t).dump() + "\n";
  EXPECT_EQ(r.out, decoded);
}

TEST(Cli, JsonlMalformedLineNamesFileAndLine) {
  TempDir dir;
  const fs::path file =
      dir.write("in.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"broken\"\n{\"text\": \"x\"}\n");
  CliResult r = cli({"tokenize", "--tokenizer", llama3(), "--jsonl", "--file", file.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
  EXPECT_TRUE(contains(r.err, file.string() + ":2")) << r.err;
  // A line without a "text" string.
  const fs::path no_text = dir.write("no_text.jsonl", "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n");
  r = cli({"tokenize", "--tokenizer", llama3(), "--jsonl", "--file", no_text.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, no_text.string() + ":2")) << r.err;
  EXPECT_TRUE(contains(r.err, "text")) << r.err;
}

TEST(Cli, InvalidUtf8InFile) {
  TempDir dir;
  const std::string text = "valid start \xE2\x82\xAC then \xFF bad";  // 0xFF at byte 21
  const fs::path file = dir.write("bad.txt", text);
  CliResult r = cli({"tokenize", "--tokenizer", llama3(), "--file", file.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
  EXPECT_TRUE(contains(r.err, file.string())) << r.err;
  EXPECT_TRUE(contains(r.err, "byte 21")) << r.err;
  r = cli({"tokenize", "--tokenizer", llama3(), "--file", file.string(), "--replace-invalid-utf8"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            ids_json(llama3_tokenizer().encode(text, {.replace_invalid_utf8 = true})) + "\n");
}

TEST(Cli, MissingInputFileExitsOne) {
  TempDir dir;
  const std::string missing = (dir.path() / "absent.txt").string();
  const CliResult r = cli({"tokenize", "--tokenizer", llama3(), "--file", missing});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
  EXPECT_TRUE(contains(r.err, missing)) << r.err;
}

}  // namespace
}  // namespace longalign
