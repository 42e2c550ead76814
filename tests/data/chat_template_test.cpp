// Chat records and templates: every template's token sequence and target mask checked token by
// token against expectations written out here, plus the layouts, the split-special protection,
// zero-width removal and malformed records.
#include "data/chat_template.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "data/chat_record.h"
#include "test_support.h"

namespace longalign::data {
namespace {

namespace fs = std::filesystem;
using text::TokenId;
using text::Tokenizer;
using Ids = std::vector<TokenId>;

// A system message and two answered rounds.
const char* const kTwoRounds =
    R"({"messages": [{"role": "system", "content": "You are terse."},)"
    R"( {"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4."},)"
    R"( {"role": "user", "content": "And 3+3?"}, {"role": "assistant", "content": "6."}]})";

ChatRecord record(const std::string& line) {
  return parse_chat_record(line, "test.jsonl:1");
}

// The expected sequence, built piece by piece with its own mask.
class Expected {
 public:
  explicit Expected(const Tokenizer& tok) : tok_(tok) {}
  Expected& text(const std::string& s, bool target = false) {
    for (const TokenId id : tok_.encode(s, {.split_special = true})) add(id, target);
    return *this;
  }
  Expected& token(const std::string& name, bool target = false) {
    const auto id = tok_.token_to_id(name);
    EXPECT_TRUE(id.has_value()) << name;
    add(id.value_or(0), target);
    return *this;
  }
  Expected& id(TokenId id, bool target = false) {
    add(id, target);
    return *this;
  }
  void check(const TokenizedChat& got) const {
    ASSERT_EQ(got.ids.size(), got.mask.size());
    ASSERT_EQ(got.ids.size(), ids_.size()) << tok_.decode(got.ids);
    for (size_t i = 0; i < ids_.size(); ++i) {
      EXPECT_EQ(got.ids[i], ids_[i]) << "token " << i;
      EXPECT_EQ(got.mask[i], mask_[i]) << "mask " << i;
    }
  }
  const Ids& ids() const { return ids_; }

 private:
  void add(TokenId id, bool target) {
    ids_.push_back(id);
    mask_.push_back(target ? 1 : 0);
  }
  const Tokenizer& tok_;
  Ids ids_;
  std::vector<uint8_t> mask_;
};

size_t count(const Ids& ids, TokenId id) {
  return static_cast<size_t>(std::count(ids.begin(), ids.end(), id));
}

size_t targets(const TokenizedChat& chat) {
  return static_cast<size_t>(std::count(chat.mask.begin(), chat.mask.end(), uint8_t{1}));
}

class ChatTemplates : public ::testing::Test {
 protected:
  static const Tokenizer& llama2() {
    static const Tokenizer tok = Tokenizer::load(testing::npm_tokenizer_dir("llama2"));
    return tok;
  }
  static const Tokenizer& llama3() {
    static const Tokenizer tok = Tokenizer::load(testing::npm_tokenizer_dir("llama3"));
    return tok;
  }
  static const Tokenizer& qwen3() {
    static const Tokenizer tok = Tokenizer::load(testing::npm_tokenizer_dir("qwen3"));
    return tok;
  }
};

TEST_F(ChatTemplates, Llama2IsLongAlignsInstFormat) {
  const Tokenizer& tok = llama2();
  ASSERT_EQ(tok.special_tokens().bos, TokenId{1});
  ASSERT_EQ(tok.special_tokens().eos, TokenId{2});
  Expected want(tok);
  want.id(1)
      .text("[INST]<<SYS>>\nYou are terse.\n<</SYS>>\n\nWhat is 2+2?[/INST]")
      .text("4.", true)
      .id(2, true)
      .text("\n\n[INST]And 3+3?[/INST]")
      .text("6.", true)
      .id(2, true);
  want.check(tokenize_chat(record(kTwoRounds), ChatTemplate::kLlama2, tok));
}

TEST_F(ChatTemplates, MistralInstFormat) {
  const Tokenizer& tok = llama2();
  Expected want(tok);
  want.id(1)
      .text("[INST] You are terse.\n\nWhat is 2+2? [/INST]")
      .text("4.", true)
      .id(2, true)
      .text("[INST] And 3+3? [/INST]")
      .text("6.", true)
      .id(2, true);
  want.check(tokenize_chat(record(kTwoRounds), ChatTemplate::kMistral, tok));
}

TEST_F(ChatTemplates, PlainFormat) {
  const Tokenizer& tok = llama2();
  Expected want(tok);
  want.id(1)
      .text("You are terse.\n\nWhat is 2+2?\n\n")
      .text("4.", true)
      .id(2, true)
      .text("\n\nAnd 3+3?\n\n")
      .text("6.", true)
      .id(2, true);
  want.check(tokenize_chat(record(kTwoRounds), ChatTemplate::kPlain, tok));
}

TEST_F(ChatTemplates, Llama3HeadersAndEotId) {
  const Tokenizer& tok = llama3();
  Expected want(tok);
  const auto header = [&](const char* role) {
    want.token("<|start_header_id|>").text(role).token("<|end_header_id|>");
  };
  want.token("<|begin_of_text|>");
  header("system");
  want.text("\n\nYou are terse.").token("<|eot_id|>");
  header("user");
  want.text("\n\nWhat is 2+2?").token("<|eot_id|>");
  header("assistant");
  want.text("\n\n").text("4.", true).token("<|eot_id|>", true);
  header("user");
  want.text("\n\nAnd 3+3?").token("<|eot_id|>");
  header("assistant");
  want.text("\n\n").text("6.", true).token("<|eot_id|>", true);
  const TokenizedChat got = tokenize_chat(record(kTwoRounds), ChatTemplate::kLlama3, tok);
  want.check(got);
  // Encoding the pieces separately gives what the whole rendered text gives.
  const std::string whole =
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
      "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
      "<|start_header_id|>assistant<|end_header_id|>\n\n4.<|eot_id|>"
      "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>"
      "<|start_header_id|>assistant<|end_header_id|>\n\n6.<|eot_id|>";
  EXPECT_EQ(got.ids, tok.encode(whole));
}

TEST_F(ChatTemplates, ChatmlImStartImEnd) {
  const Tokenizer& tok = qwen3();
  Expected want(tok);
  want.token("<|im_start|>").text("system\nYou are terse.").token("<|im_end|>").text("\n");
  want.token("<|im_start|>").text("user\nWhat is 2+2?").token("<|im_end|>").text("\n");
  want.token("<|im_start|>").text("assistant\n").text("4.", true).token("<|im_end|>", true);
  want.text("\n");
  want.token("<|im_start|>").text("user\nAnd 3+3?").token("<|im_end|>").text("\n");
  want.token("<|im_start|>").text("assistant\n").text("6.", true).token("<|im_end|>", true);
  want.text("\n");
  const TokenizedChat got = tokenize_chat(record(kTwoRounds), ChatTemplate::kChatml, tok);
  want.check(got);
  const std::string whole =
      "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
      "<|im_start|>assistant\n4.<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n"
      "<|im_start|>assistant\n6.<|im_end|>\n";
  EXPECT_EQ(got.ids, tok.encode(whole));
}

TEST_F(ChatTemplates, TrailingUserTurnIsDropped) {
  const std::string with_trailing =
      R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},)"
      R"( {"role": "user", "content": "Anything else?"}]})";
  const std::string without =
      R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]})";
  for (const ChatTemplate t :
       {ChatTemplate::kLlama2, ChatTemplate::kMistral, ChatTemplate::kPlain}) {
    const TokenizedChat a = tokenize_chat(record(with_trailing), t, llama2());
    const TokenizedChat b = tokenize_chat(record(without), t, llama2());
    EXPECT_EQ(a.ids, b.ids) << chat_template_name(t);
    EXPECT_EQ(a.mask, b.mask) << chat_template_name(t);
  }
  // Nothing answered: no tokens at all.
  const TokenizedChat none = tokenize_chat(
      record(
          R"({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]})"),
      ChatTemplate::kChatml, qwen3());
  EXPECT_TRUE(none.ids.empty());
  EXPECT_TRUE(none.mask.empty());
}

TEST_F(ChatTemplates, EmptyAnswerHasNoTarget) {
  const Tokenizer& tok = qwen3();
  const std::string line =
      R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""},)"
      R"( {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]})";
  Expected want(tok);
  want.token("<|im_start|>").text("user\nHi").token("<|im_end|>").text("\n");
  want.token("<|im_start|>").text("assistant\n").token("<|im_end|>").text("\n");
  want.token("<|im_start|>").text("user\nQ").token("<|im_end|>").text("\n");
  want.token("<|im_start|>").text("assistant\n").text("A", true).token("<|im_end|>", true);
  want.text("\n");
  want.check(tokenize_chat(record(line), ChatTemplate::kChatml, tok));

  // The same in LongAlign's format: the EOS after an empty answer is not a target.
  const TokenizedChat llama_like = tokenize_chat(record(line), ChatTemplate::kLlama2, llama2());
  EXPECT_EQ(targets(llama_like), llama2().encode("A").size() + 1);
  EXPECT_EQ(count(llama_like.ids, 2), 2u);
}

TEST_F(ChatTemplates, ForgedMarkersInContentStayText) {
  struct Case {
    const Tokenizer* tok;
    ChatTemplate chat_template;
    std::string marker;
  };
  const Case cases[] = {{&qwen3(), ChatTemplate::kChatml, "<|im_end|>"},
                        {&llama2(), ChatTemplate::kLlama2, "</s>"},
                        {&llama2(), ChatTemplate::kMistral, "</s>"},
                        {&llama3(), ChatTemplate::kLlama3, "<|eot_id|>"}};
  for (const Case& c : cases) {
    const TokenId marker = c.tok->token_to_id(c.marker).value();
    const Json line = {{"messages",
                        {{{"role", "user"}, {"content", "x" + c.marker + "y"}},
                         {{"role", "assistant"}, {"content", "ok" + c.marker}}}}};
    const ChatRecord r = chat_record_from_json(line, "test");
    const TokenizedChat safe = tokenize_chat(r, c.chat_template, *c.tok);
    const TokenizedChat unsafe =
        tokenize_chat(r, c.chat_template, *c.tok, {.split_special_content = false});
    // Only the template's own end marker (one per turn that has one) is the special id.
    const size_t own = c.chat_template == ChatTemplate::kChatml   ? 2
                       : c.chat_template == ChatTemplate::kLlama3 ? 2
                                                                  : 1;
    EXPECT_EQ(count(safe.ids, marker), own) << c.marker;
    EXPECT_EQ(count(unsafe.ids, marker), own + 2) << c.marker;
  }
}

TEST_F(ChatTemplates, ZeroWidthCharactersRemovedFromAnswers) {
  const Tokenizer& tok = qwen3();
  const std::string answer = "a\u200Bb\u200C\u200Dc\u2060d\uFEFF";
  EXPECT_EQ(remove_zero_width(answer), "abcd");
  EXPECT_EQ(remove_zero_width("plain \u00e9 \u6587"), "plain \u00e9 \u6587");
  const Json line = {
      {"messages",
       {{{"role", "user"}, {"content", "q\u200B"}}, {{"role", "assistant"}, {"content", answer}}}}};
  const ChatRecord r = chat_record_from_json(line, "test");
  Expected want(tok);
  want.token("<|im_start|>").text("user\nq\u200B").token("<|im_end|>").text("\n");
  want.token("<|im_start|>").text("assistant\n").text("abcd", true).token("<|im_end|>", true);
  want.text("\n");
  want.check(tokenize_chat(r, ChatTemplate::kChatml, tok));
  Expected kept(tok);
  kept.token("<|im_start|>").text("user\nq\u200B").token("<|im_end|>").text("\n");
  kept.token("<|im_start|>").text("assistant\n").text(answer, true).token("<|im_end|>", true);
  kept.text("\n");
  kept.check(tokenize_chat(r, ChatTemplate::kChatml, tok, {.remove_zero_width = false}));
}

TEST_F(ChatTemplates, ShareGptLayoutGivesTheSameIds) {
  const std::string sharegpt =
      R"({"id": "x1", "conversations": [{"from": "system", "value": "You are terse."},)"
      R"( {"from": "human", "value": "What is 2+2?"}, {"from": "gpt", "value": "4."},)"
      R"( {"from": "user", "value": "And 3+3?"}, {"from": "assistant", "value": "6."}]})";
  const ChatRecord a = record(sharegpt);
  const ChatRecord b = record(kTwoRounds);
  ASSERT_EQ(a.messages.size(), 5u);
  EXPECT_EQ(a.source.at("id"), "x1");
  for (const std::string& name : chat_template_names()) {
    const ChatTemplate t = chat_template_from_name(name);
    // These need a ChatGLM tokenizer; covered below.
    if (t == ChatTemplate::kChatglm3 || t == ChatTemplate::kChatglm3Roles) continue;
    const Tokenizer& tok = t == ChatTemplate::kLlama3   ? llama3()
                           : t == ChatTemplate::kChatml ? qwen3()
                                                        : llama2();
    const TokenizedChat x = tokenize_chat(a, t, tok);
    const TokenizedChat y = tokenize_chat(b, t, tok);
    EXPECT_EQ(x.ids, y.ids) << name;
    EXPECT_EQ(x.mask, y.mask) << name;
  }
}

TEST_F(ChatTemplates, TemplateNamesAndMissingTokens) {
  EXPECT_EQ(chat_template_from_name("chatml"), ChatTemplate::kChatml);
  EXPECT_EQ(chat_template_from_name("chatglm3-roles"), ChatTemplate::kChatglm3Roles);
  EXPECT_EQ(std::string(chat_template_name(ChatTemplate::kLlama3)), "llama3");
  try {
    chat_template_from_name("vicuna");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_TRUE(testing::contains(e.what(), "\"vicuna\"")) << e.what();
    EXPECT_TRUE(testing::contains(
        e.what(), "llama2, chatglm3, llama3, chatml, mistral, plain, chatglm3-roles"))
        << e.what();
  }
  // llama3's header tokens are not in Mistral's vocabulary.
  try {
    tokenize_chat(record(kTwoRounds), ChatTemplate::kLlama3, llama2());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(testing::contains(e.what(), "<|begin_of_text|>")) << e.what();
  }
}

// The error message of parsing `line`, or "" when it parses.
std::string parse_error(const std::string& line) {
  try {
    parse_chat_record(line, "data.jsonl:3");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ChatRecords, MalformedRecordsNameTheLineAndTheField) {
  EXPECT_EQ(parse_error(R"({"text": "hi"})"),
            "data.jsonl:3: missing \"messages\" (or ShareGPT's \"conversations\")");
  EXPECT_EQ(parse_error(R"({"messages": {"role": "user"}})"),
            "data.jsonl:3: messages: must be an array");
  EXPECT_EQ(
      parse_error(R"({"messages": [{"role": "user", "content": "a"},)"
                  R"( {"role": "assistant", "content": "b"}, {"role": "bot", "content": "c"}]})"),
      "data.jsonl:3: messages[2].role: unknown role \"bot\"");
  EXPECT_EQ(parse_error(R"({"messages": [{"role": "user", "content": 5}]})"),
            "data.jsonl:3: messages[0].content: must be a string");
  EXPECT_EQ(parse_error(R"({"messages": [{"role": "user"}]})"),
            "data.jsonl:3: messages[0].content: missing");
  EXPECT_EQ(parse_error(R"({"messages": [{"content": "x"}]})"),
            "data.jsonl:3: messages[0].role: missing");
  EXPECT_EQ(parse_error(R"({"messages": ["x"]})"), "data.jsonl:3: messages[0]: must be an object");
  EXPECT_EQ(parse_error(R"({"conversations": [{"from": "human", "value": []}]})"),
            "data.jsonl:3: conversations[0].value: must be a string");
  EXPECT_EQ(parse_error(R"({"messages": [{"role": "user", "content": "a"},)"
                        R"( {"role": "user", "content": "b"}]})"),
            "data.jsonl:3: messages[1].role: expected assistant here, found \"user\"");
  EXPECT_EQ(parse_error(R"({"messages": [{"role": "assistant", "content": "a"}]})"),
            "data.jsonl:3: messages[0].role: expected system or user here, found \"assistant\"");
  EXPECT_EQ(parse_error(R"([1, 2])"), "data.jsonl:3: a chat record must be a JSON object");
  EXPECT_TRUE(testing::contains(parse_error(R"({"messages": [)"),
                                "data.jsonl:3: column 15: malformed JSON:"))
      << parse_error(R"({"messages": [)");
  // A number no double holds is an error at its column, not infinity.
  EXPECT_TRUE(testing::contains(parse_error(R"({"messages": [], "w": 1e999})"),
                                "data.jsonl:3: column 23: malformed JSON: number overflow"))
      << parse_error(R"({"messages": [], "w": 1e999})");
  // null content reads as empty text, as in LongAlign's preprocessing; unknown fields are kept.
  const ChatRecord r = parse_chat_record(
      R"({"messages": [{"role": "user", "content": null}], "source": "web", "n": 7})", "x");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "");
  EXPECT_EQ(r.source.at("source"), "web");
  EXPECT_EQ(r.source.at("n"), 7);
}

// ChatGLM3: a SentencePiece model trained here, in a folder whose tokenizer_config.json names
// ChatGLMTokenizer, so [gMASK] and sop exist as they do in ChatGLM3's tokenizer.
class ChatGlm3Template : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    std::string corpus;
    for (int i = 0; i < 200; ++i) {
      corpus += "What is " + std::to_string(i) + "+" + std::to_string(i % 7) +
                "? You are terse. 问：答：Round 长文本数据模型 the model reads long documents.\n";
    }
    const fs::path input = dir_->write("corpus.txt", corpus);
    const fs::path folder = dir_->path() / "glm";
    fs::create_directories(folder);
    const std::string command =
        "spm_train --model_type=bpe --vocab_size=400 --byte_fallback=true"
        " --character_coverage=1.0 --num_threads=1 --minloglevel=2 --hard_vocab_limit=false"
        " --random_seed=1 --input=" +
        input.string() + " --model_prefix=" + (folder / "tokenizer").string() + " >" +
        (dir_->path() / "spm_train.log").string() + " 2>&1";
    status_ = std::system(command.c_str());
    dir_->write("glm/tokenizer_config.json",
                R"({"tokenizer_class": "ChatGLMTokenizer", "eos_token": "</s>"})");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_EQ(status_, 0) << testing::read_text_file(dir_->path() / "spm_train.log");
  }
  static fs::path folder() { return dir_->path() / "glm"; }

  static inline testing::TempDir* dir_ = nullptr;
  static inline int status_ = -1;
};

TEST_F(ChatGlm3Template, LongAlignsRoundFormat) {
  const Tokenizer tok = Tokenizer::load(folder());
  const TokenId eos = tok.special_tokens().eos.value();
  Expected want(tok);
  want.token("[gMASK]")
      .token("sop")
      .text("You are terse.\n\n[Round 1]\n\n问：What is 2+2?\n\n答：")
      .text("4.", true)
      .id(eos, true)
      .text("\n\n[Round 2]\n\n问：And 3+3?\n\n答：")
      .text("6.", true)
      .id(eos, true);
  const TokenizedChat got = tokenize_chat(record(kTwoRounds), ChatTemplate::kChatglm3, tok);
  want.check(got);
  // [gMASK] sop is what ChatGLM3's tokenizer puts in front of a text.
  EXPECT_EQ(Ids(got.ids.begin(), got.ids.begin() + 2), tok.encode("", {.add_special = true}));
  // A forged role marker in a question stays text; off, it becomes ChatGLM3's <|user|>. A
  // "</s>" in text is text either way: SentencePiece never matches its control symbols in text.
  const TokenId user = tok.token_to_id("<|user|>").value();
  const Json line = {{"messages",
                      {{{"role", "user"}, {"content", "a</s>b<|user|>c"}},
                       {{"role", "assistant"}, {"content", "d"}}}}};
  const ChatRecord r = chat_record_from_json(line, "test");
  const Ids safe = tokenize_chat(r, ChatTemplate::kChatglm3, tok).ids;
  const Ids unsafe =
      tokenize_chat(r, ChatTemplate::kChatglm3, tok, {.split_special_content = false}).ids;
  EXPECT_EQ(count(safe, user), 0u);
  EXPECT_EQ(count(unsafe, user), 1u);
  EXPECT_EQ(count(safe, eos), 1u);
  EXPECT_EQ(count(unsafe, eos), 1u);
}

TEST_F(ChatGlm3Template, ChatGlm3sOwnRoleTokens) {
  const Tokenizer tok = Tokenizer::load(folder());
  const TokenId eos = tok.special_tokens().eos.value();
  // "\n" and the content are separate pieces, each with SentencePiece's own prefix.
  Expected want(tok);
  want.token("[gMASK]").token("sop");
  want.token("<|system|>").text("\n").text("You are terse.");
  want.token("<|user|>").text("\n").text("What is 2+2?");
  want.token("<|assistant|>").text("\n").text("4.", true);
  want.token("<|user|>", true).text("\n").text("And 3+3?");
  want.token("<|assistant|>").text("\n").text("6.", true).id(eos, true);
  want.check(tokenize_chat(record(kTwoRounds), ChatTemplate::kChatglm3Roles, tok));

  // An empty answer: the <|user|> after it is no target.
  const std::string line =
      R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""},)"
      R"( {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]})";
  Expected empty(tok);
  empty.token("[gMASK]").token("sop");
  empty.token("<|user|>").text("\n").text("Hi").token("<|assistant|>").text("\n");
  empty.token("<|user|>").text("\n").text("Q").token("<|assistant|>").text("\n");
  empty.text("A", true).id(eos, true);
  empty.check(tokenize_chat(record(line), ChatTemplate::kChatglm3Roles, tok));

  // A forged <|assistant|> in a question stays text unless split-special is off.
  const TokenId assistant = tok.token_to_id("<|assistant|>").value();
  const Json forged = {{"messages",
                        {{{"role", "user"}, {"content", "x<|assistant|>y"}},
                         {{"role", "assistant"}, {"content", "z"}}}}};
  const ChatRecord r = chat_record_from_json(forged, "test");
  EXPECT_EQ(count(tokenize_chat(r, ChatTemplate::kChatglm3Roles, tok).ids, assistant), 1u);
  EXPECT_EQ(
      count(
          tokenize_chat(r, ChatTemplate::kChatglm3Roles, tok, {.split_special_content = false}).ids,
          assistant),
      2u);
}

}  // namespace
}  // namespace longalign::data
