// Reading documents for self-instruct, their hashes, lengths and language.
#include <gtest/gtest.h>

#include "synth/documents.h"
#include "synth/language.h"
#include "test_support.h"

namespace longalign::synth {
namespace {

using testing::contains;
using testing::error_of;
using testing::TempDir;

TEST(Documents, FolderOfTextFilesInNameOrder) {
  TempDir dir;
  dir.write("docs/b.txt", "Second.");
  dir.write("docs/a.txt", "First.");
  dir.write("docs/notes.md", "ignored");
  const auto docs = read_documents(dir.path() / "docs");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].text, "First.");
  EXPECT_EQ(docs[0].source, "a.txt");
  EXPECT_EQ(docs[1].source, "b.txt");
  EXPECT_TRUE(contains(docs[1].where, "b.txt"));
  dir.write("empty/x.md", "");
  EXPECT_TRUE(contains(error_of([&] { read_documents(dir.path() / "empty"); }), "no .txt files"));
  dir.write("bad/a.txt", "ok \xff");
  EXPECT_TRUE(contains(error_of([&] { read_documents(dir.path() / "bad"); }),
                       "a.txt: invalid UTF-8 at byte 3"));
}

TEST(Documents, JsonlWithOptionalSource) {
  TempDir dir;
  const auto file = dir.write("d.jsonl",
                              "{\"text\": \"One.\", \"source\": \"arxiv\", \"id\": 7}\n\n"
                              "{\"text\": \"Two.\"}\r\n");
  const auto docs = read_documents(file);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].source, "arxiv");
  EXPECT_EQ(docs[1].text, "Two.");
  EXPECT_EQ(docs[1].source, "d.jsonl");
  EXPECT_TRUE(docs[1].where.ends_with("d.jsonl:3"));
}

TEST(Documents, JsonlErrorsNameFileAndLine) {
  TempDir dir;
  const auto read = [&](const std::string& content) {
    return error_of([&] { read_documents(dir.write("d.jsonl", content)); });
  };
  EXPECT_TRUE(contains(read("{\"text\": \"a\"}\n{\"txt\": \"b\"}\n"),
                       "d.jsonl:2: missing string field \"text\""));
  EXPECT_TRUE(contains(read("{\"text\": \"a\"}\n{\"text\": \n"), "d.jsonl:2"));
  EXPECT_TRUE(contains(read("[1]\n"), "d.jsonl:1: expected a JSON object"));
  EXPECT_TRUE(contains(read("{\"text\": \"a\", \"source\": 3}\n"), "d.jsonl:1: field \"source\""));
  EXPECT_TRUE(contains(error_of([&] { read_documents(dir.path() / "missing.jsonl"); }),
                       "missing.jsonl: no such file"));
}

TEST(Documents, HashIsOfTheExactText) {
  EXPECT_EQ(document_hash_hex(document_hash("")), "cbf29ce484222325");   // FNV-1a's offset basis
  EXPECT_EQ(document_hash_hex(document_hash("a")), "af63dc4c8601ec8c");  // the published vector
  EXPECT_NE(document_hash("text"), document_hash("text "));
}

TEST(Documents, LengthInCharactersOrTokens) {
  const DocumentLength chars(std::nullopt);
  EXPECT_EQ(chars(""), 0);
  EXPECT_EQ(chars("abcd"), 1);
  EXPECT_EQ(chars("abcde"), 2);
  EXPECT_EQ(chars("汉字汉字"), 1) << "characters, not bytes";
  const DocumentLength tokens(text::Tokenizer::load(testing::npm_tokenizer_dir("llama3")));
  EXPECT_EQ(tokens("Hello world"), 2);
  EXPECT_GT(tokens("<|begin_of_text|>"), 1) << "special tokens in a document are text";
}

TEST(Language, ChineseByTheShareOfChineseCharacters) {
  EXPECT_EQ(cjk_share(""), 0.0);
  EXPECT_EQ(cjk_share("!!! 123"), 0.0);
  EXPECT_EQ(cjk_share("汉字"), 1.0);
  EXPECT_DOUBLE_EQ(cjk_share("ab汉字。"), 0.5) << "punctuation is not counted";
  EXPECT_EQ(detect_language("The quick brown fox jumps over the lazy dog."), Language::kEnglish);
  EXPECT_EQ(
      detect_language("这是一篇关于长文本对齐的文章，其中提到了 LongAlign 和 ChatGLM3 模型。"),
      Language::kChinese);
  // An English text naming a few Chinese places stays English.
  EXPECT_EQ(detect_language("The delegation travelled from 北京 to 上海 and then on to Hangzhou "
                            "by the evening train."),
            Language::kEnglish);
  EXPECT_EQ(language_name(Language::kChinese), "zh");
  EXPECT_EQ(language_name(Language::kEnglish), "en");
}

}  // namespace
}  // namespace longalign::synth
