// libFuzzer target for chat JSONL as `longalign data prepare` reads it (data/chat_record.h,
// data/chat_template.h, data/prepare.h): records in both layouts, every chat template, the
// truncation modes, and the store it writes.
//
// A byte-level tokenizer that holds every template's special tokens is written once at start-up.
// The first byte picks the mode, and its low bits the template and the truncation:
//   0x00-0x7F  raw: the rest is a JSONL file.
//   0x80-0xFF  structured: records assembled in the messages or the conversations layout, with
//              every role spelling (and wrong ones), contents that hold special-token spellings,
//              zero-width characters and non-ASCII text, null or non-string contents, unknown
//              fields, turns out of order, blank lines and broken JSON.
// Each line goes through parse_chat_record and, when it parses, tokenize_chat; then the whole file
// goes through prepare_store. A longalign::Error is the only acceptable failure. A record that
// parses has its turns in order; tokens and mask agree; every malformed line is reported as
// "<file>:<line>: ..."; and the store written opens, holds report.written samples, none longer
// than the maximum length.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "data/chat_record.h"
#include "data/chat_template.h"
#include "data/prepare.h"
#include "data/store.h"
#include "fuzz_support.h"
#include "text/tokenizer.h"

namespace {

namespace fs = std::filesystem;
namespace data = longalign::data;
using longalign::Json;
using longalign::fuzz::finding;
using longalign::fuzz::scratch_dir;
using longalign::fuzz::write_bytes;

constexpr uint32_t kMaxLength = 48;
const char* const kSpecial[] = {"<s>",
                                "</s>",
                                "<|begin_of_text|>",
                                "<|start_header_id|>",
                                "<|end_header_id|>",
                                "<|eot_id|>",
                                "<|im_start|>",
                                "<|im_end|>",
                                "[gMASK]",
                                "sop",
                                "<|user|>",
                                "<|assistant|>",
                                "<|system|>",
                                "[INST]",
                                "[/INST]"};

fs::path g_tokenizer_dir;
std::optional<longalign::text::Tokenizer> g_tokenizer;

// GPT-2's byte-to-character table: printable bytes stand for themselves, the others for
// U+0100 onwards, in order.
std::string byte_char(int b) {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    int next = 256;
    for (int c = 0; c < 256; ++c) {
      const bool printable = (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174;
      const int code = printable ? c : next++;
      std::string s;
      if (code < 0x80) {
        s += static_cast<char>(code);
      } else {
        s += static_cast<char>(0xC0 | (code >> 6));
        s += static_cast<char>(0x80 | (code & 0x3F));
      }
      t[c] = s;
    }
    return t;
  }();
  return table[b];
}

void write_tokenizer() {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_char(b)] = b;
  Json added = Json::array();
  int id = 256;
  for (const char* s : kSpecial) {
    added.push_back({{"id", id++},
                     {"content", s},
                     {"special", true},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false}});
  }
  const Json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", Json::array()}}}};
  g_tokenizer_dir = scratch_dir() / "tokenizer";
  write_bytes(g_tokenizer_dir / "tokenizer.json", tokenizer.dump());
  write_bytes(g_tokenizer_dir / "tokenizer_config.json",
              Json{{"bos_token", "<s>"}, {"eos_token", "</s>"}}.dump());
  g_tokenizer = longalign::text::Tokenizer::load(g_tokenizer_dir);
}

std::string content(FuzzedDataProvider& in) {
  static const char* const kPieces[] = {"Hello", " world", "\n",           "<|im_end|>",
                                        "</s>",  "[INST]", "\xE2\x80\x8B", "\xEF\xBB\xBF",
                                        "日本",  "é",      "  ",           "?"};
  std::string s;
  for (int n = in.ConsumeIntegralInRange(0, 6); n > 0; --n) {
    s += in.ConsumeIntegralInRange(0, 7) ? kPieces[in.ConsumeIntegralInRange<size_t>(0, 11)]
                                         : in.ConsumeRandomLengthString(6);
  }
  return s;
}

Json record(FuzzedDataProvider& in) {
  const bool sharegpt = in.ConsumeBool();
  static const char* const kRoles[] = {"system", "user", "assistant", "human", "gpt", "bot"};
  Json list = Json::array();
  // Mostly the right order: optional system, then user and assistant alternating.
  const bool ordered = in.ConsumeIntegralInRange(0, 3) != 0;
  const int turns = in.ConsumeIntegralInRange(0, 6);
  if (ordered && in.ConsumeBool()) list.push_back(Json{{"r", "system"}, {"c", content(in)}});
  for (int t = 0; t < turns; ++t) {
    const char* role =
        ordered ? (t % 2 == 0 ? (sharegpt ? "human" : "user") : (sharegpt ? "gpt" : "assistant"))
                : kRoles[in.ConsumeIntegralInRange(0, 5)];
    Json c = content(in);
    if (in.ConsumeIntegralInRange(0, 15) == 0) c = in.ConsumeBool() ? Json(nullptr) : Json(5);
    list.push_back(Json{{"r", role}, {"c", c}});
  }
  Json messages = Json::array();
  for (const Json& m : list) {
    messages.push_back(sharegpt ? Json{{"from", m["r"]}, {"value", m["c"]}}
                                : Json{{"role", m["r"]}, {"content", m["c"]}});
  }
  Json r = {{sharegpt ? "conversations" : "messages", messages}};
  if (in.ConsumeBool()) r["source"] = "web";
  return r;
}

std::string structured_file(FuzzedDataProvider& in) {
  std::string text;
  for (int n = in.ConsumeIntegralInRange(1, 8); n > 0; --n) {
    std::string line = record(in).dump(-1, ' ', false, Json::error_handler_t::replace);
    switch (in.ConsumeIntegralInRange(0, 11)) {
      case 0:
        line.resize(in.ConsumeIntegralInRange<size_t>(0, line.size()));
        break;
      case 1:
        line = "";
        break;
      case 2:
        line += "\r";
        break;
      default:
        break;
    }
    text += line + "\n";
  }
  return text;
}

void check_record(const data::ChatRecord& r, data::ChatTemplate chat_template) {
  size_t i = 0;
  while (i < r.messages.size() && r.messages[i].role == data::Role::system) ++i;
  for (size_t turn = 0; i < r.messages.size(); ++i, ++turn) {
    const data::Role expected = turn % 2 == 0 ? data::Role::user : data::Role::assistant;
    if (r.messages[i].role != expected) finding("a record with turns out of order was accepted");
  }
  const data::TokenizedChat chat = data::tokenize_chat(r, chat_template, *g_tokenizer);
  if (chat.ids.size() != chat.mask.size()) finding("tokens and mask differ in length");
}

void check_warning(const std::string& warning, const std::string& file) {
  size_t at = file.size() + 1;
  if (warning.compare(0, file.size() + 1, file + ":") != 0) finding("a warning without its file");
  const size_t digits = warning.find_first_not_of("0123456789", at);
  if (digits == at || digits == std::string::npos || warning.compare(digits, 2, ": ") != 0) {
    finding("a warning not of the form file:line: ...: " + warning);
  }
}

void prepare(const std::string& text, const std::string& chat_template,
             data::Truncation truncation) {
  const fs::path input = scratch_dir() / "chat.jsonl";
  const fs::path output = scratch_dir() / "store";
  write_bytes(input, text);
  data::PrepareOptions o;
  o.tokenizer = g_tokenizer_dir;
  o.chat_template = chat_template;
  o.max_length = kMaxLength;
  o.truncation = truncation;
  o.inputs = {{input, 1.0}};
  o.threads = 1;
  o.block_lines = 3;
  o.output = output;
  const data::PrepareReport report = data::prepare_store(o);
  for (const std::string& w : report.warnings) check_warning(w, input.string());
  const data::StoreReader store(output);
  if (store.size() != report.written) finding("the store does not hold the samples reported");
  for (size_t i = 0; i < store.size(); ++i) {
    if (store.entry(i).length > kMaxLength) finding("a sample longer than the maximum length");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  try {
    write_tokenizer();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot make the tokenizer: %s\n", e.what());
    std::exit(1);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size == 0) return 0;
  const auto& names = data::chat_template_names();
  const std::string chat_template = names[bytes[0] % names.size()];
  const auto truncation = static_cast<data::Truncation>((bytes[0] >> 3) % 4);
  std::string text;
  if (bytes[0] < 0x80) {
    text.assign(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  } else {
    FuzzedDataProvider in(bytes + 1, size - 1);
    text = structured_file(in);
  }
  try {
    size_t at = 0;
    for (int line = 1; at < text.size(); ++line) {
      const size_t end = std::min(text.find('\n', at), text.size());
      try {
        check_record(data::parse_chat_record(std::string_view(text).substr(at, end - at),
                                             "chat.jsonl:" + std::to_string(line)),
                     data::chat_template_from_name(chat_template));
      } catch (const longalign::Error&) {
      }
      at = end + 1;
    }
    prepare(text, chat_template, truncation);
  } catch (const longalign::Error&) {
    // A clear error is the right answer to bad input.
  }
  return 0;
}
