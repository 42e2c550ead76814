// SentencePiece .model files against SentencePiece's own command-line tools: tiny BPE and unigram
// models are trained here with spm_train, and our ids and text must equal spm_encode's and
// spm_decode's line by line. Also the ChatGLM3 layout, whose nine special tokens follow the model.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "test_support.h"
#include "text/tokenizer.h"

namespace longalign::text {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;
using Ids = std::vector<TokenId>;

using testing::run_command;

std::vector<std::string> lines_of(const fs::path& file) {
  std::istringstream in(testing::read_text_file(file));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& line : lines) (all += line) += '\n';
  return all;
}

// A few hundred lines of made-up English-like text with numbers, accents and some CJK.
std::string make_corpus() {
  const char* const words[] = {
      "the",     "model",   "reads",    "long",   "documents", "and",     "answers",  "questions",
      "about",   "them",    "training", "packs",  "several",   "samples", "into",     "one",
      "batch",   "weights", "loss",     "so",     "that",      "every",   "sequence", "counts",
      "equally", "tokens",  "context",  "window", "attention", "memory",  "fast",     "slow",
      "café",    "naïve",   "résumé",   "über",   "日本語",    "数据",    "模型",     "长文本",
      "hello",   "world",   "it's",     "don't",  "(note)",    "a,b",     "x=y+1;",   "--flag"};
  std::mt19937 rng(7);
  std::string corpus;
  for (int line = 0; line < 400; ++line) {
    const size_t n = 4 + rng() % 12;
    for (size_t w = 0; w < n; ++w) {
      if (w) corpus += ' ';
      if (rng() % 9 == 0) {
        corpus += std::to_string(rng() % 100000);
      } else {
        corpus += words[rng() % std::size(words)];
      }
    }
    corpus += rng() % 3 ? ".\n" : "?\n";
  }
  return corpus;
}

// Texts to compare, one per line: seen and unseen words, odd spacing, scripts the corpus lacks.
const std::vector<std::string>& texts() {
  static const std::vector<std::string> t = {
      "the model reads long documents",
      "Hello World, THE MODEL!",
      "  leading and trailing spaces  ",
      "multiple     spaces\tand a tab",
      "numbers 12345 and 3.14159 and 007",
      "café naïve résumé über",
      "日本語の長文本と数据模型",
      "emoji \xF0\x9F\x9A\x80 and \xF0\x9F\x91\xA9\xF0\x9F\x8F\xBD\xE2\x80\x8D\xF0\x9F\x92\xBB",
      "Привет мир, Ωμέγα",
      "fullwidth \xEF\xBC\xA1\xEF\xBC\xA2 and \xEF\xAC\x81 ligature",
      "",
      "x",
      std::string(300, 'a'),
      "!?.,;:'\"()[]{}<>",
      "<unk> <s> </s> are plain text here",
      "don't it's x=y+1; --flag (note)",
  };
  return t;
}

class SentencePiece : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const fs::path corpus = dir_->write("corpus.txt", make_corpus());
    const std::string common = " --input=" + corpus.string() +
                               " --num_threads=1 --minloglevel=2 --hard_vocab_limit=false"
                               " --random_seed=1 >" +
                               (dir_->path() / "spm_train.log").string() + " 2>&1";
    train_status_ = run_command(
        "spm_train --model_type=bpe --vocab_size=420 --byte_fallback=true"
        " --character_coverage=0.995 --model_prefix=" +
        (dir_->path() / "bpe").string() + common);
    if (train_status_ == 0) {
      train_status_ = run_command(
          "spm_train --model_type=unigram --vocab_size=200"
          " --character_coverage=1.0 --model_prefix=" +
          (dir_->path() / "unigram").string() + common);
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_EQ(train_status_, 0) << testing::read_text_file(dir_->path() / "spm_train.log");
  }

  static fs::path model(const std::string& name) { return dir_->path() / (name + ".model"); }

  // spm_encode --output_format=id over `lines`, one id list per line.
  static std::vector<Ids> spm_encode(const fs::path& model_file,
                                     const std::vector<std::string>& lines) {
    const fs::path in = dir_->write("encode_in.txt", join_lines(lines));
    const fs::path out = dir_->path() / "encode_out.txt";
    EXPECT_EQ(
        run_command("spm_encode --minloglevel=2 --model=" + model_file.string() +
                    " --output_format=id --input=" + in.string() + " --output=" + out.string()),
        0);
    std::vector<Ids> all;
    for (const std::string& line : lines_of(out)) {
      std::istringstream words(line);
      Ids ids;
      for (TokenId id; words >> id;) ids.push_back(id);
      all.push_back(ids);
    }
    return all;
  }

  // spm_decode --input_format=id over id lists, one text per list.
  static std::vector<std::string> spm_decode(const fs::path& model_file,
                                             const std::vector<Ids>& id_lines) {
    std::vector<std::string> lines;
    for (const Ids& ids : id_lines) {
      std::string line;
      for (size_t i = 0; i < ids.size(); ++i) {
        if (i) line += ' ';
        line += std::to_string(ids[i]);
      }
      lines.push_back(line);
    }
    const fs::path in = dir_->write("decode_in.txt", join_lines(lines));
    const fs::path out = dir_->path() / "decode_out.txt";
    EXPECT_EQ(
        run_command("spm_decode --minloglevel=2 --model=" + model_file.string() +
                    " --input_format=id --input=" + in.string() + " --output=" + out.string()),
        0);
    return lines_of(out);
  }

  // Our encode and decode of every text must equal the SentencePiece tools'.
  static void expect_same_as_spm(const std::string& name) {
    const Tokenizer tok = Tokenizer::load(model(name));
    const std::vector<Ids> expected = spm_encode(model(name), texts());
    ASSERT_EQ(expected.size(), texts().size());
    std::vector<Ids> ours;
    for (size_t i = 0; i < texts().size(); ++i) {
      ours.push_back(tok.encode(texts()[i]));
      EXPECT_EQ(ours.back(), expected[i]) << name << " text " << i << ": " << texts()[i];
    }
    EXPECT_EQ(tok.encode_batch(texts(), {}, 2), expected);
    const std::vector<std::string> decoded = spm_decode(model(name), ours);
    ASSERT_EQ(decoded.size(), ours.size());
    for (size_t i = 0; i < ours.size(); ++i) {
      EXPECT_EQ(tok.decode(ours[i]), decoded[i]) << name << " text " << i << ": " << texts()[i];
    }
  }

  static size_t piece_count(const std::string& name) {
    return lines_of(dir_->path() / (name + ".vocab")).size();
  }

  static TempDir* dir_;
  static int train_status_;
};

TempDir* SentencePiece::dir_ = nullptr;
int SentencePiece::train_status_ = -1;

TEST_F(SentencePiece, BpeWithByteFallbackMatchesSpmTools) {
  expect_same_as_spm("bpe");
}

TEST_F(SentencePiece, UnigramMatchesSpmTools) {
  expect_same_as_spm("unigram");
}

TEST_F(SentencePiece, ByteFallbackRoundTripsUnseenCharacters) {
  const Tokenizer tok = Tokenizer::load(model("bpe"));
  const std::string text = "\xF0\x9F\x9A\x80 Привет";  // neither in the corpus
  const Ids ids = tok.encode(text);
  EXPECT_EQ(tok.decode(ids), text);
  for (const TokenId id : ids) EXPECT_NE(id, tok.special_tokens().unk.value_or(~0u));
}

TEST_F(SentencePiece, SpecialTokensAndVocabulary) {
  const Tokenizer tok = Tokenizer::load(model("unigram"));
  EXPECT_EQ(tok.vocab_size(), piece_count("unigram"));
  // spm_train's defaults: <unk> 0, <s> 1, </s> 2.
  EXPECT_EQ(tok.special_tokens().unk, TokenId{0});
  EXPECT_EQ(tok.special_tokens().bos, TokenId{1});
  EXPECT_EQ(tok.special_tokens().eos, TokenId{2});
  EXPECT_TRUE(tok.is_special(1));
  EXPECT_FALSE(tok.is_special(10));
  EXPECT_EQ(tok.token_to_id("</s>"), TokenId{2});
  EXPECT_EQ(tok.id_to_token(1), "<s>");
  EXPECT_FALSE(tok.token_to_id("no such piece").has_value());
  EXPECT_FALSE(tok.id_to_token(100000).has_value());
  // add_special puts BOS in front, as the Llama SentencePiece tokenizer does; no EOS.
  const Ids plain = tok.encode("the model");
  Ids with_bos = {1};
  with_bos.insert(with_bos.end(), plain.begin(), plain.end());
  EXPECT_EQ(tok.encode("the model", {.add_special = true}), with_bos);
  EXPECT_EQ(tok.decode(with_bos), tok.decode(plain));
}

class ChatGlm : public SentencePiece {
 protected:
  void SetUp() override {
    SentencePiece::SetUp();
    folder_ = dir_->path() / "chatglm";
    fs::create_directories(folder_);
    fs::copy_file(model("bpe"), folder_ / "tokenizer.model", fs::copy_options::overwrite_existing);
    dir_->write("chatglm/tokenizer_config.json",
                R"({"tokenizer_class": "ChatGLMTokenizer", "eos_token": "</s>"})");
    n_ = static_cast<TokenId>(piece_count("bpe"));
  }
  fs::path folder_;
  TokenId n_ = 0;
};

TEST_F(ChatGlm, NineSpecialTokensFollowTheModel) {
  const Tokenizer tok = Tokenizer::load(folder_);
  EXPECT_EQ(tok.source(), folder_ / "tokenizer.model");
  EXPECT_EQ(tok.vocab_size(), n_ + 9);
  // [MASK] [gMASK] [sMASK] sop eop <|system|> <|user|> <|assistant|> <|observation|>
  EXPECT_EQ(tok.token_to_id("[gMASK]"), n_ + 1);
  EXPECT_EQ(tok.token_to_id("sop"), n_ + 3);
  EXPECT_EQ(tok.token_to_id("<|user|>"), n_ + 6);
  EXPECT_EQ(tok.token_to_id("<|observation|>"), n_ + 8);
  EXPECT_EQ(tok.id_to_token(n_ + 7), "<|assistant|>");
  EXPECT_TRUE(tok.is_special(n_ + 6));
  EXPECT_EQ(tok.special_tokens().eos, TokenId{2});
}

TEST_F(ChatGlm, RoleMarkersInTextAndSplitSpecial) {
  const Tokenizer tok = Tokenizer::load(folder_);
  EXPECT_EQ(tok.encode("<|user|>"), Ids{n_ + 6});
  // Text around a marker is encoded as separate pieces, each as SentencePiece encodes it alone.
  const auto spm = spm_encode(model("bpe"), {"hello", "the model", "<|user|>"});
  Ids expected = spm[0];
  expected.push_back(n_ + 6);
  expected.insert(expected.end(), spm[1].begin(), spm[1].end());
  EXPECT_EQ(tok.encode("hello<|user|>the model"), expected);
  // split_special: the marker is plain text.
  EXPECT_EQ(tok.encode("<|user|>", {.split_special = true}), spm[2]);
  // add_special: [gMASK] sop in front.
  Ids prefixed = {n_ + 1, n_ + 3, n_ + 6};
  EXPECT_EQ(tok.encode("<|user|>", {.add_special = true}), prefixed);
}

TEST_F(ChatGlm, DecodeKeepsOrSkipsTheMarkers) {
  const Tokenizer tok = Tokenizer::load(folder_);
  const Ids ids = tok.encode("<|user|>hello world<|assistant|>", {.add_special = true});
  EXPECT_EQ(tok.decode(ids), "[gMASK]sop<|user|>hello world<|assistant|>");
  EXPECT_EQ(tok.decode(ids, true), "hello world");
}

}  // namespace
}  // namespace longalign::text
