// The tokenizer's components one at a time, through tiny hand-written tokenizer.json files. Every
// expectation is worked out by hand from the semantics Hugging Face's tokenizers documents for the
// component (and its Rust source where the documentation is silent).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/json.h"
#include "test_support.h"
#include "text/tokenizer.h"

namespace longalign::text {
namespace {

using Pieces = std::vector<std::string>;
using Ids = std::vector<TokenId>;

// What goes into a hand-written BPE tokenizer.json.
struct Spec {
  Pieces vocab;   // a token's id is its position
  Pieces merges;  // "left right", highest priority first
  Json model_options = Json::object();
  Json normalizer, pre_tokenizer, post_processor, decoder;
  Json added_tokens = Json::array();
};

Json added_token(const std::string& content, TokenId id, bool special, Json options = {}) {
  Json t = {{"id", id},        {"content", content},     {"single_word", false}, {"lstrip", false},
            {"rstrip", false}, {"normalized", !special}, {"special", special}};
  if (options.is_object()) t.update(options);
  return t;
}

Tokenizer load(const Spec& spec) {
  Json vocab = Json::object();
  for (size_t i = 0; i < spec.vocab.size(); ++i) vocab[spec.vocab[i]] = i;
  Json model = {{"type", "BPE"}, {"dropout", nullptr}, {"vocab", vocab}, {"merges", spec.merges}};
  model.update(spec.model_options);
  const Json j = {{"version", "1.0"},
                  {"added_tokens", spec.added_tokens},
                  {"normalizer", spec.normalizer},
                  {"pre_tokenizer", spec.pre_tokenizer},
                  {"post_processor", spec.post_processor},
                  {"decoder", spec.decoder},
                  {"model", model}};
  testing::TempDir dir;
  return Tokenizer::load(dir.write("tokenizer.json", j.dump(1)));
}

Pieces tokens_of(const Tokenizer& tok, const Ids& ids) {
  Pieces out;
  for (const TokenId id : ids) out.push_back(tok.id_to_token(id).value_or("<no token>"));
  return out;
}

// Makes what the normalizer and pre-tokenizer do to `text` visible through encode: the model's
// vocabulary holds exactly the expected pieces (minus the added tokens), whole, and merges nothing
// (ignore_merges). A piece the pipeline produces that is not one of them starts with a character
// in the vocabulary or not, but every later character would need a "##" token, which never exists,
// so it yields <unk>. The returned tokens equal `expected` exactly when the pieces do.
Pieces pieces(const Json& normalizer, const Json& pre_tokenizer, std::string_view text,
              const Pieces& expected, const Json& added = Json::array(),
              const EncodeOptions& options = {}) {
  Spec spec;
  spec.normalizer = normalizer;
  spec.pre_tokenizer = pre_tokenizer;
  spec.added_tokens = added;
  spec.vocab = {"<unk>"};
  std::set<std::string> added_contents;
  for (const Json& t : added) added_contents.insert(t["content"].get<std::string>());
  for (const std::string& p : expected) {
    if (!added_contents.count(p) &&
        std::find(spec.vocab.begin(), spec.vocab.end(), p) == spec.vocab.end()) {
      spec.vocab.push_back(p);
    }
  }
  spec.model_options = {{"unk_token", "<unk>"},
                        {"fuse_unk", true},
                        {"ignore_merges", true},
                        {"continuing_subword_prefix", "##"}};
  const Tokenizer tok = load(spec);
  return tokens_of(tok, tok.encode(text, options));
}

Pieces pre_tokenized(const Json& pre_tokenizer, std::string_view text, const Pieces& expected) {
  return pieces(nullptr, pre_tokenizer, text, expected);
}

// The normalizer's output, seen as the single piece the model receives.
std::string normalized(const Json& normalizer, std::string_view text, const std::string& expected) {
  const Pieces got = pieces(normalizer, nullptr, text, {expected});
  if (got.size() == 1) return got[0];
  std::string shown = "pieces:";
  for (const std::string& p : got) shown.append(" [").append(p).append("]");
  return shown;
}

// Decodes `tokens` (each one a vocabulary entry) with `decoder`.
std::string decoded(const Json& decoder, const Pieces& tokens) {
  Spec spec;
  spec.decoder = decoder;
  Ids ids;
  for (const std::string& t : tokens) {
    auto it = std::find(spec.vocab.begin(), spec.vocab.end(), t);
    if (it == spec.vocab.end()) it = spec.vocab.insert(spec.vocab.end(), t);
    ids.push_back(static_cast<TokenId>(it - spec.vocab.begin()));
  }
  return load(spec).decode(ids);
}

Json split(const Json& pattern, const char* behavior, bool invert = false) {
  return {{"type", "Split"}, {"pattern", pattern}, {"behavior", behavior}, {"invert", invert}};
}

Json str(const std::string& s) {
  return {{"String", s}};
}
Json re(const std::string& s) {
  return {{"Regex", s}};
}

const std::string kMeta = "\xE2\x96\x81";  // ▁ U+2581, SentencePiece's space

// ---------------------------------------------------------------------------------------------
// Pre-tokenizers

TEST(Split, EachBehavior) {
  // "a-b--c" cut at each "-": the matches are "-", "-", "-"; the rest is "a", "b", "c".
  const std::pair<const char*, Pieces> cases[] = {
      {"Removed", {"a", "b", "c"}},
      {"Isolated", {"a", "-", "b", "-", "-", "c"}},
      {"MergedWithPrevious", {"a-", "b-", "-", "c"}},
      {"MergedWithNext", {"a", "-b", "-", "-c"}},
      {"Contiguous", {"a", "-", "b", "--", "c"}},
  };
  for (const auto& [behavior, expected] : cases) {
    EXPECT_EQ(pre_tokenized(split(str("-"), behavior), "a-b--c", expected), expected) << behavior;
    EXPECT_EQ(pre_tokenized(split(re("-"), behavior), "a-b--c", expected), expected) << behavior;
  }
}

TEST(Split, MatchesAtTheEdges) {
  // Matches at both ends: no empty pieces appear.
  EXPECT_EQ(pre_tokenized(split(str("-"), "Isolated"), "-ab-", {"-", "ab", "-"}),
            (Pieces{"-", "ab", "-"}));
  EXPECT_EQ(pre_tokenized(split(str("-"), "MergedWithPrevious"), "-ab-", {"-", "ab-"}),
            (Pieces{"-", "ab-"}));
  EXPECT_EQ(pre_tokenized(split(str("-"), "MergedWithNext"), "-ab-", {"-ab", "-"}),
            (Pieces{"-ab", "-"}));
  EXPECT_EQ(pre_tokenized(split(str("-"), "Removed"), "--", {}), Pieces{});
}

TEST(Split, Invert) {
  // With invert the regex [a-z] marks what is kept, so the runs between letters ("-", "--") are
  // the delimiters, each one span.
  const std::pair<const char*, Pieces> cases[] = {
      {"Removed", {"a", "b", "c"}},
      {"Isolated", {"a", "-", "b", "--", "c"}},
      {"MergedWithPrevious", {"a-", "b--", "c"}},
      {"MergedWithNext", {"a", "-b", "--c"}},
      {"Contiguous", {"a", "-", "b", "--", "c"}},
  };
  for (const auto& [behavior, expected] : cases) {
    EXPECT_EQ(pre_tokenized(split(re("[a-z]"), behavior, true), "a-b--c", expected), expected)
        << behavior;
  }
  // Removed with invert keeps only the matches: a tokenizer's word pattern used as a filter.
  EXPECT_EQ(pre_tokenized(split(re("\\w+"), "Removed", true), "hi, you!", {"hi", "you"}),
            (Pieces{"hi", "you"}));
}

TEST(Split, StringPatternIsLiteral) {
  // "." in a String pattern is a dot, not "any character".
  EXPECT_EQ(pre_tokenized(split(str("."), "Removed"), "a.b", {"a", "b"}), (Pieces{"a", "b"}));
  EXPECT_EQ(pre_tokenized(split(str("."), "Removed"), "ab", {"ab"}), (Pieces{"ab"}));
  EXPECT_EQ(pre_tokenized(split(str("--"), "Isolated"), "a---b", {"a", "--", "-b"}),
            (Pieces{"a", "--", "-b"}));
}

TEST(Split, RegexWithUnicodeClasses) {
  const Json words = split(re("\\p{L}+|\\p{N}+"), "Isolated");
  EXPECT_EQ(pre_tokenized(words, "héllo 42日本", {"héllo", " ", "42", "日本"}),
            (Pieces{"héllo", " ", "42", "日本"}));
}

TEST(Digits, IndividualAndNot) {
  const Json together = {{"type", "Digits"}, {"individual_digits", false}};
  const Json individual = {{"type", "Digits"}, {"individual_digits", true}};
  EXPECT_EQ(pre_tokenized(together, "abc123d45", {"abc", "123", "d", "45"}),
            (Pieces{"abc", "123", "d", "45"}));
  EXPECT_EQ(pre_tokenized(individual, "abc123d45", {"abc", "1", "2", "3", "d", "4", "5"}),
            (Pieces{"abc", "1", "2", "3", "d", "4", "5"}));
  // Numeric in Rust's sense: Arabic-Indic digits (Nd) and superscripts (No) count.
  EXPECT_EQ(pre_tokenized(individual, "x\u0661\u00B2", {"x", "\u0661", "\u00B2"}),
            (Pieces{"x", "\u0661", "\u00B2"}));
}

TEST(Punctuation, IsolatedByDefault) {
  const Json p = {{"type", "Punctuation"}};
  EXPECT_EQ(pre_tokenized(p, "Hey, you!!", {"Hey", ",", " you", "!", "!"}),
            (Pieces{"Hey", ",", " you", "!", "!"}));
  // ASCII symbols such as $ and + count as punctuation (Rust's is_ascii_punctuation), and so do
  // Unicode P* characters such as "。" and "«".
  EXPECT_EQ(pre_tokenized(p, "a$b+c。«d", {"a", "$", "b", "+", "c", "。", "«", "d"}),
            (Pieces{"a", "$", "b", "+", "c", "。", "«", "d"}));
  const Json contiguous = {{"type", "Punctuation"}, {"behavior", "Contiguous"}};
  EXPECT_EQ(pre_tokenized(contiguous, "Hey, you!!", {"Hey", ",", " you", "!!"}),
            (Pieces{"Hey", ",", " you", "!!"}));
}

TEST(Whitespace, WordsAndOtherRuns) {
  const Json w = {{"type", "Whitespace"}};
  EXPECT_EQ(pre_tokenized(w, "Hello, world!  it's\t\n42",
                          {"Hello", ",", "world", "!", "it", "'", "s", "42"}),
            (Pieces{"Hello", ",", "world", "!", "it", "'", "s", "42"}));
  EXPECT_EQ(pre_tokenized(w, "   ", {}), Pieces{});
}

TEST(WhitespaceSplit, DropsEveryKindOfSpace) {
  const Json w = {{"type", "WhitespaceSplit"}};
  EXPECT_EQ(pre_tokenized(w, "  a,b \t c\u3000d\n", {"a,b", "c", "d"}), (Pieces{"a,b", "c", "d"}));
}

Json metaspace(const char* scheme, bool split_pieces) {
  return {{"type", "Metaspace"},
          {"replacement", kMeta},
          {"prepend_scheme", scheme},
          {"split", split_pieces}};
}

TEST(Metaspace, PrependSchemesAndSplit) {
  const Pieces split_always = {kMeta + "hello", kMeta + "world"};
  EXPECT_EQ(pre_tokenized(metaspace("always", true), "hello world", split_always), split_always);
  EXPECT_EQ(pre_tokenized(metaspace("first", true), "hello world", split_always), split_always);
  const Pieces split_never = {"hello", kMeta + "world"};
  EXPECT_EQ(pre_tokenized(metaspace("never", true), "hello world", split_never), split_never);

  const Pieces whole_always = {kMeta + "hello" + kMeta + "world"};
  EXPECT_EQ(pre_tokenized(metaspace("always", false), "hello world", whole_always), whole_always);
  const Pieces whole_never = {"hello" + kMeta + "world"};
  EXPECT_EQ(pre_tokenized(metaspace("never", false), "hello world", whole_never), whole_never);

  // A text that already starts with a space gets no second one; a run of spaces splits so that
  // each "▁" begins a piece.
  const Pieces spaces = {kMeta, kMeta + "hi"};
  EXPECT_EQ(pre_tokenized(metaspace("always", true), "  hi", spaces), spaces);
}

TEST(Metaspace, LegacyAddPrefixSpace) {
  const Json on = {{"type", "Metaspace"}, {"replacement", kMeta}, {"add_prefix_space", true}};
  const Json off = {{"type", "Metaspace"}, {"replacement", kMeta}, {"add_prefix_space", false}};
  EXPECT_EQ(pre_tokenized(on, "a b", {kMeta + "a", kMeta + "b"}),
            (Pieces{kMeta + "a", kMeta + "b"}));
  EXPECT_EQ(pre_tokenized(off, "a b", {"a", kMeta + "b"}), (Pieces{"a", kMeta + "b"}));
}

TEST(Metaspace, FirstDoesNotPrependAfterASpecialToken) {
  const Json specials = Json::array({added_token("<s>", 100, true)});
  // "first": only the piece at the very start of the input gets the "▁".
  Pieces expected = {"<s>", "hello", kMeta + "world"};
  EXPECT_EQ(pieces(nullptr, metaspace("first", true), "<s>hello world", expected, specials),
            expected);
  expected = {kMeta + "hello", kMeta, "<s>", "world"};
  EXPECT_EQ(pieces(nullptr, metaspace("first", true), "hello <s>world", expected, specials),
            expected);
  // "always" prepends to the text after the special token too.
  expected = {"<s>", kMeta + "hello", kMeta + "world"};
  EXPECT_EQ(pieces(nullptr, metaspace("always", true), "<s>hello world", expected, specials),
            expected);
  // With split_special the special token is text, and the whole input is one first piece.
  expected = {kMeta + "<s>hello", kMeta + "world"};
  EXPECT_EQ(pieces(nullptr, metaspace("first", true), "<s>hello world", expected, specials,
                   {.split_special = true}),
            expected);
}

TEST(ByteLevelPreTokenizer, PrefixSpaceAndRegex) {
  const std::string G = "\xC4\xA0";  // Ġ, the byte-level form of a space
  const Json both = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
  const Json no_prefix = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  const Json no_regex = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
  Pieces expected = {G + "Hello", G + "world"};
  EXPECT_EQ(pre_tokenized(both, "Hello world", expected), expected);
  expected = {"Hello", G + "world", "'s", G + "42", "\xC4\x8A"};  // "\n" maps to Ċ
  EXPECT_EQ(pre_tokenized(no_prefix, "Hello world's 42\n", expected), expected);
  expected = {"Hello" + G + "caf\xC3\x83\xC2\xA9"};  // é is C3 A9 -> "Ã©"
  EXPECT_EQ(pre_tokenized(no_regex, "Hello café", expected), expected);
}

TEST(PreTokenizerSequence, AppliesStepsInOrder) {
  const Json seq = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "WhitespaceSplit"}}, {{"type", "Digits"}, {"individual_digits", true}}}}};
  EXPECT_EQ(pre_tokenized(seq, "ab12 c3", {"ab", "1", "2", "c", "3"}),
            (Pieces{"ab", "1", "2", "c", "3"}));
}

// ---------------------------------------------------------------------------------------------
// Normalizers

TEST(Normalizers, Lowercase) {
  const Json n = {{"type", "Lowercase"}};
  EXPECT_EQ(normalized(n, "HeLLo ÀÉÎ ΣΑΣ", "hello àéî σασ"), "hello àéî σασ");
  // Full lower-case mapping, as Rust's char::to_lowercase: İ becomes i + combining dot above.
  EXPECT_EQ(normalized(n, "İ", "i\u0307"), "i\u0307");
}

TEST(Normalizers, Strip) {
  const auto strip = [](bool left, bool right) {
    return Json{{"type", "Strip"}, {"strip_left", left}, {"strip_right", right}};
  };
  EXPECT_EQ(normalized(strip(true, true), " \t hi there \n", "hi there"), "hi there");
  EXPECT_EQ(normalized(strip(true, false), " \t hi there \n", "hi there \n"), "hi there \n");
  EXPECT_EQ(normalized(strip(false, true), " \t hi there \n", " \t hi there"), " \t hi there");
  // Unicode white space: ideographic space, no-break space.
  EXPECT_EQ(normalized(strip(true, true), "\u3000hi\u00A0", "hi"), "hi");
  // Nothing is left of an all-space text, so the model sees no piece at all.
  EXPECT_EQ(pieces(strip(true, true), nullptr, "   ", {}), Pieces{});
}

TEST(Normalizers, ReplaceStringAndRegex) {
  const Json meta = {{"type", "Replace"}, {"pattern", str(" ")}, {"content", kMeta}};
  EXPECT_EQ(normalized(meta, "a b  c", "a" + kMeta + "b" + kMeta + kMeta + "c"),
            "a" + kMeta + "b" + kMeta + kMeta + "c");
  // Non-overlapping, left to right: five spaces hold two copies of "  " and one space.
  const Json pairs = {{"type", "Replace"}, {"pattern", str("  ")}, {"content", "x"}};
  EXPECT_EQ(normalized(pairs, "a     b", "axx b"), "axx b");
  // A literal pattern with regex metacharacters.
  const Json dots = {{"type", "Replace"}, {"pattern", str(".*")}, {"content", "!"}};
  EXPECT_EQ(normalized(dots, "a.*b.c", "a!b.c"), "a!b.c");
  const Json runs = {{"type", "Replace"}, {"pattern", re("\\s+")}, {"content", " "}};
  EXPECT_EQ(normalized(runs, "a \t b\n\nc", "a b c"), "a b c");
  const Json remove = {{"type", "Replace"}, {"pattern", re("[0-9]")}, {"content", ""}};
  EXPECT_EQ(normalized(remove, "a1b22c", "abc"), "abc");
}

TEST(Normalizers, Prepend) {
  const Json n = {{"type", "Prepend"}, {"prepend", kMeta}};
  EXPECT_EQ(normalized(n, "hi", kMeta + "hi"), kMeta + "hi");
  EXPECT_EQ(pieces(n, nullptr, "", {}), Pieces{});  // an empty text stays empty
}

TEST(Normalizers, UnicodeForms) {
  const std::string e_acute = "\u00E9", e_combining = "e\u0301";
  EXPECT_EQ(normalized({{"type", "NFC"}}, e_combining, e_acute), e_acute);
  EXPECT_EQ(normalized({{"type", "NFC"}}, "A\u030A", "\u00C5"), "\u00C5");
  EXPECT_EQ(normalized({{"type", "NFD"}}, e_acute, e_combining), e_combining);
  // NFC keeps compatibility characters; NFKC folds them.
  EXPECT_EQ(normalized({{"type", "NFC"}}, "\uFB01\u2460\uFF21", "\uFB01\u2460\uFF21"),
            "\uFB01\u2460\uFF21");
  EXPECT_EQ(normalized({{"type", "NFKC"}}, "\uFB01\u2460\uFF21", "fi1A"), "fi1A");
  EXPECT_EQ(normalized({{"type", "NFKC"}}, "e\u0301", e_acute), e_acute);
  // Canonical reordering of combining marks: dot below (ccc 220) before acute (ccc 230).
  EXPECT_EQ(normalized({{"type", "NFD"}}, "a\u0301\u0323", "a\u0323\u0301"), "a\u0323\u0301");
}

TEST(Normalizers, Sequence) {
  // Llama-2's normalizer: prepend "▁", then every space becomes "▁".
  const Json llama2 = {{"type", "Sequence"},
                       {"normalizers",
                        {{{"type", "Prepend"}, {"prepend", kMeta}},
                         {{"type", "Replace"}, {"pattern", str(" ")}, {"content", kMeta}}}}};
  EXPECT_EQ(normalized(llama2, "hello world", kMeta + "hello" + kMeta + "world"),
            kMeta + "hello" + kMeta + "world");
  // Order matters: lowercase after NFKC sees the folded letter.
  const Json fold = {{"type", "Sequence"},
                     {"normalizers", {{{"type", "NFKC"}}, {{"type", "Lowercase"}}}}};
  EXPECT_EQ(normalized(fold, "\uFF21B", "ab"), "ab");
}

TEST(Normalizers, AppliedBetweenAddedTokensSeparately) {
  // Prepend works on each stretch of text between added tokens, as Hugging Face normalizes each
  // split on its own.
  const Json n = {{"type", "Prepend"}, {"prepend", kMeta}};
  const Json specials = Json::array({added_token("<s>", 100, true)});
  const Pieces expected = {kMeta + "a", "<s>", kMeta + "b"};
  EXPECT_EQ(pieces(n, nullptr, "a<s>b", expected, specials), expected);
}

// ---------------------------------------------------------------------------------------------
// Decoders

TEST(Decoders, ByteFallback) {
  const Json d = {{"type", "ByteFallback"}};
  EXPECT_EQ(decoded(d, {"<0x48>", "<0x69>", "!"}), "Hi!");
  EXPECT_EQ(decoded(d, {"a", "<0xE2>", "<0x82>", "<0xAC>", "b"}), "a\u20ACb");
  EXPECT_EQ(decoded(d, {"<0xe2>", "<0x82>", "<0xac>"}), "\u20AC");  // lower-case hex
  // A run that is not UTF-8 becomes one U+FFFD per byte, even where part of it is valid.
  const std::string fffd = "\uFFFD";
  EXPECT_EQ(decoded(d, {"a", "<0xE2>", "<0x82>", "b"}), "a" + fffd + fffd + "b");
  EXPECT_EQ(decoded(d, {"<0xE2>", "<0x82>", "<0xAC>", "<0xFF>"}), fffd + fffd + fffd + fffd);
  EXPECT_EQ(decoded(d, {"<0xFF>"}), fffd);
  // Tokens that only look like bytes stay as they are.
  EXPECT_EQ(decoded(d, {"<0xZZ>", "<0x4>", "<0x414>"}), "<0xZZ><0x4><0x414>");
}

TEST(Decoders, FuseThenStripOnlyTouchesTheWholeText) {
  const Json replace = {{"type", "Replace"}, {"pattern", str(kMeta)}, {"content", " "}};
  const Json strip = {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}};
  const Json with_fuse = {{"type", "Sequence"}, {"decoders", {replace, {{"type", "Fuse"}}, strip}}};
  const Json without_fuse = {{"type", "Sequence"}, {"decoders", {replace, strip}}};
  const Pieces tokens = {kMeta + "Hello", kMeta + "world"};
  EXPECT_EQ(decoded(with_fuse, tokens), "Hello world");
  EXPECT_EQ(decoded(without_fuse, tokens), "Helloworld");  // Strip cut each token
}

TEST(Decoders, StripStartAndStop) {
  const Json d = {{"type", "Strip"}, {"content", "_"}, {"start", 1}, {"stop", 2}};
  // "__a__" loses one leading and two trailing "_"; "_b" its leading one; "___" keeps nothing
  // once one leading and two trailing are gone.
  EXPECT_EQ(decoded(d, {"__a__", "_b", "c___", "___"}), "_abc_");
}

TEST(Decoders, Replace) {
  const Json meta = {{"type", "Replace"}, {"pattern", str(kMeta)}, {"content", " "}};
  EXPECT_EQ(decoded(meta, {kMeta + "Hello", kMeta + "world"}), " Hello world");
  const Json runs = {{"type", "Replace"}, {"pattern", re("_+")}, {"content", "-"}};
  EXPECT_EQ(decoded(runs, {"a__b", "_c"}), "a-b-c");
}

TEST(Decoders, Metaspace) {
  const auto d = [](const char* scheme) {
    return Json{{"type", "Metaspace"}, {"replacement", kMeta}, {"prepend_scheme", scheme}};
  };
  const Pieces tokens = {kMeta + "Hello", kMeta + "world", "!"};
  EXPECT_EQ(decoded(d("always"), tokens), "Hello world!");
  EXPECT_EQ(decoded(d("first"), tokens), "Hello world!");
  EXPECT_EQ(decoded(d("never"), tokens), " Hello world!");
  const Json legacy = {{"type", "Metaspace"}, {"replacement", kMeta}, {"add_prefix_space", false}};
  EXPECT_EQ(decoded(legacy, tokens), " Hello world!");
  // Only the first token is affected; a later "▁" token is a space.
  EXPECT_EQ(decoded(d("always"), {"a", kMeta, kMeta + "b"}), "a  b");
}

TEST(Decoders, ByteLevel) {
  const Json d = {{"type", "ByteLevel"}};
  // Ġ is a space, Ċ a newline, "Ã©" the two bytes of é.
  EXPECT_EQ(decoded(d, {"Hello", "\xC4\xA0world", "\xC4\x8A", "caf\xC3\x83\xC2\xA9"}),
            "Hello world\ncafé");
  // The bytes of all tokens are joined before being read as UTF-8: é split over two tokens.
  EXPECT_EQ(decoded(d, {"\xC3\x83", "\xC2\xA9"}), "é");
  // A byte sequence that is not UTF-8 is replaced (ÿ is the byte 0xFF).
  EXPECT_EQ(decoded(d, {"a", "\xC3\xBF", "b"}), "a\uFFFDb");
  // A token with a character outside the byte table keeps its own text.
  EXPECT_EQ(decoded(d, {"\xC4\xA0", "日本"}), " 日本");
}

TEST(Decoders, Llama2Chain) {
  const Json d = {{"type", "Sequence"},
                  {"decoders",
                   {{{"type", "Replace"}, {"pattern", str(kMeta)}, {"content", " "}},
                    {{"type", "ByteFallback"}},
                    {{"type", "Fuse"}},
                    {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  EXPECT_EQ(decoded(d, {kMeta + "a", "<0xE2>", "<0x82>", "<0xAC>", kMeta + "b"}), "a\u20AC b");
}

TEST(Decoders, NoDecoderJoinsWithSpaces) {
  EXPECT_EQ(decoded(nullptr, {"ab", "c"}), "ab c");
}

// ---------------------------------------------------------------------------------------------
// Added tokens

Json added_with(const std::string& content, TokenId id, Json options) {
  return added_token(content, id, false, std::move(options));
}

TEST(AddedTokens, Lstrip) {
  const Json with = Json::array({added_with("<mask>", 100, {{"lstrip", true}})});
  const Json without = Json::array({added_with("<mask>", 100, {})});
  Pieces expected = {"a", "<mask>", " b"};
  EXPECT_EQ(pieces(nullptr, nullptr, "a   <mask> b", expected, with), expected);
  expected = {"a   ", "<mask>", " b"};
  EXPECT_EQ(pieces(nullptr, nullptr, "a   <mask> b", expected, without), expected);
  expected = {"<mask>", "b"};  // all of the text before it was space
  EXPECT_EQ(pieces(nullptr, nullptr, " \t<mask>b", expected, with), expected);
}

TEST(AddedTokens, Rstrip) {
  const Json with = Json::array({added_with("<mask>", 100, {{"rstrip", true}})});
  Pieces expected = {"a ", "<mask>", "b"};
  EXPECT_EQ(pieces(nullptr, nullptr, "a <mask>   b", expected, with), expected);
  expected = {"a ", "<mask>"};
  EXPECT_EQ(pieces(nullptr, nullptr, "a <mask> \n", expected, with), expected);
  const Json both = Json::array({added_with("<mask>", 100, {{"lstrip", true}, {"rstrip", true}})});
  expected = {"a", "<mask>", "b"};
  EXPECT_EQ(pieces(nullptr, nullptr, "a  <mask>  b", expected, both), expected);
}

TEST(AddedTokens, SingleWord) {
  const Json single = Json::array({added_with("ab", 100, {{"single_word", true}})});
  // Matched where no word character touches it: at the start, before " " and before "!"; not
  // inside "cab" or next to "_".
  Pieces expected = {"ab", " cab ", "ab", "! _ab"};
  Pieces got = pieces(nullptr, nullptr, "ab cab ab! _ab", expected, single);
  EXPECT_EQ(got, expected);
  const Json anywhere = Json::array({added_with("ab", 100, {})});
  expected = {"ab", " c", "ab", " ", "ab", "! _", "ab"};
  got = pieces(nullptr, nullptr, "ab cab ab! _ab", expected, anywhere);
  EXPECT_EQ(got, expected);
}

TEST(AddedTokens, NormalizedMatchesAfterTheNormalizer) {
  const Json lower = {{"type", "Lowercase"}};
  // normalized: the token's content goes through the normalizer and is matched in normalized
  // text, so "HELLO" finds "hello".
  const Json normal = Json::array({added_with("hello", 100, {{"normalized", true}})});
  Spec spec;
  spec.normalizer = lower;
  spec.added_tokens = normal;
  spec.vocab = {"<unk>", " world", "hello world"};
  spec.model_options = {{"unk_token", "<unk>"}, {"ignore_merges", true}};
  Tokenizer tok = load(spec);
  EXPECT_EQ(tok.encode("HELLO world"), (Ids{100, 1}));
  // not normalized: matched in the raw text only, so "HELLO" is ordinary text.
  spec.added_tokens = Json::array({added_with("hello", 100, {{"normalized", false}})});
  tok = load(spec);
  EXPECT_EQ(tok.encode("HELLO world"), (Ids{2}));
  EXPECT_EQ(tok.encode("hello world"), (Ids{100, 1}));
  // A normalized token whose content itself changes under the normalizer.
  spec.added_tokens = Json::array({added_with("HeLLo", 100, {{"normalized", true}})});
  tok = load(spec);
  EXPECT_EQ(tok.encode("hello world"), (Ids{100, 1}));
}

TEST(AddedTokens, LeftmostLongest) {
  const Json added = Json::array({added_with("<a>", 100, {{"normalized", false}}),
                                  added_with("<a><b>", 101, {{"normalized", false}}),
                                  added_with("bcd", 102, {{"normalized", false}}),
                                  added_with("ab", 103, {{"normalized", false}})});
  Spec spec;
  spec.added_tokens = added;
  spec.vocab = {"<unk>", "x", "y", "cd", "z"};
  spec.model_options = {{"unk_token", "<unk>"}, {"ignore_merges", true}};
  const Tokenizer tok = load(spec);
  // At the same start the longest wins; an earlier start beats a longer later match.
  EXPECT_EQ(tok.encode("x<a><b>y<a>"), (Ids{1, 101, 2, 100}));
  EXPECT_EQ(tok.encode("abcd"), (Ids{103, 3}));
  EXPECT_EQ(tok.encode("zbcd"), (Ids{4, 102}));
}

TEST(AddedTokens, ManyTokensLoadQuicklyAndMatchLongestFirst) {
  // 30000 added tokens sharing their first byte: loading used to re-sort all of them for each
  // one (minutes); the longest match must still win, and among equal contents the first token.
  Spec spec;
  spec.vocab = {"<unk>", "x"};
  spec.model_options = {{"unk_token", "<unk>"}};
  const TokenId base = 1000;
  for (TokenId k = 0; k < 30000; ++k) {
    spec.added_tokens.push_back(added_token(std::string("<").append(std::to_string(k)).append(">"),
                                            base + k, k % 2, {{"normalized", false}}));
  }
  spec.added_tokens.push_back(added_token("<1", base + 30000, false, {{"normalized", false}}));
  spec.added_tokens.push_back(added_token("<12>", base + 30001, false, {{"normalized", false}}));
  const Tokenizer tok = load(spec);
  EXPECT_EQ(tok.vocab_size(), base + 30002);
  EXPECT_EQ(tok.encode("x<12>x<29999><1x"), (Ids{1, base + 12, 1, base + 29999, base + 30000, 1}));
}

TEST(AddedTokens, SplitSpecialSkipsOnlySpecialTokens) {
  const Json added = Json::array(
      {added_token("<s>", 100, true), added_token("<x>", 101, false, {{"normalized", false}})});
  Pieces expected = {"<s>", "a", "<x>"};
  EXPECT_EQ(pieces(nullptr, nullptr, "<s>a<x>", expected, added), expected);
  expected = {"<s>a", "<x>"};
  EXPECT_EQ(pieces(nullptr, nullptr, "<s>a<x>", expected, added, {.split_special = true}),
            expected);
}

TEST(AddedTokens, DecodeAndSkipSpecial) {
  Spec spec;
  spec.vocab = {"a", "b"};
  spec.added_tokens = Json::array(
      {added_token("<s>", 2, true), added_token("<x>", 3, false, {{"normalized", false}})});
  spec.decoder = {{"type", "Fuse"}};
  const Tokenizer tok = load(spec);
  const Ids ids = {2, 0, 3, 1};
  EXPECT_EQ(tok.decode(ids), "<s>a<x>b");
  EXPECT_EQ(tok.decode(ids, true), "a<x>b");  // only special tokens are skipped
  EXPECT_TRUE(tok.is_special(2));
  EXPECT_FALSE(tok.is_special(3));
}

// ---------------------------------------------------------------------------------------------
// Post-processor

TEST(PostProcessor, TemplateProcessingWrapsTheSequence) {
  Spec spec;
  spec.vocab = {"<s>", "</s>", "a"};
  spec.post_processor = parse_json(R"({
      "type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "</s>", "type_id": 0}}],
      "pair": [],
      "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                         "</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}})",
                                   "template");
  const Tokenizer tok = load(spec);
  EXPECT_EQ(tok.encode("aa"), (Ids{2, 2}));
  EXPECT_EQ(tok.encode("aa", {.add_special = true}), (Ids{0, 2, 2, 1}));
  EXPECT_EQ(tok.encode("", {.add_special = true}), (Ids{0, 1}));
}

// ---------------------------------------------------------------------------------------------
// The BPE model

TEST(Bpe, ByteFallback) {
  Spec spec;
  spec.vocab = {"<unk>", "a", "<0xC3>", "<0xA9>", "<0xE2>", "<0x82>"};
  spec.model_options = {{"unk_token", "<unk>"}, {"byte_fallback", true}, {"fuse_unk", true}};
  spec.decoder = {{"type", "ByteFallback"}};
  const Tokenizer tok = load(spec);
  EXPECT_EQ(tok.encode("aé"), (Ids{1, 2, 3}));
  EXPECT_EQ(tok.decode(tok.encode("aé")), "aé");
  // € is E2 82 AC and <0xAC> is missing: the whole character falls to <unk>.
  EXPECT_EQ(tok.encode("a€a"), (Ids{1, 0, 1}));
  spec.model_options["byte_fallback"] = false;
  EXPECT_EQ(load(spec).encode("aé"), (Ids{1, 0}));
}

TEST(Bpe, UnknownTokenFusedOrNot) {
  Spec spec;
  spec.vocab = {"<unk>", "a"};
  spec.model_options = {{"unk_token", "<unk>"}, {"fuse_unk", true}};
  EXPECT_EQ(load(spec).encode("axyza"), (Ids{1, 0, 1}));
  EXPECT_EQ(load(spec).encode("xy"), (Ids{0}));
  spec.model_options["fuse_unk"] = false;
  EXPECT_EQ(load(spec).encode("axyza"), (Ids{1, 0, 0, 0, 1}));
  EXPECT_EQ(load(spec).encode("xy"), (Ids{0, 0}));
  // Without an unknown token, characters outside the vocabulary are dropped.
  spec.model_options = Json::object();
  EXPECT_EQ(load(spec).encode("axya"), (Ids{1, 1}));
}

TEST(Bpe, ContinuingSubwordPrefix) {
  Spec spec;
  spec.vocab = {"<unk>", "h", "##e", "##l", "##o", "o", "he", "##ll", "hell", "hello"};
  // A merge's result is the left token plus the right one without its prefix.
  spec.merges = {"h ##e", "##l ##l", "he ##ll", "hell ##o"};
  spec.model_options = {{"unk_token", "<unk>"}, {"continuing_subword_prefix", "##"}};
  spec.pre_tokenizer = {{"type", "WhitespaceSplit"}};
  const Tokenizer tok = load(spec);
  EXPECT_EQ(tok.encode("hello"), (Ids{9}));
  EXPECT_EQ(tok.encode("hell"), (Ids{8}));
  EXPECT_EQ(tok.encode("oll"), (Ids{5, 7}));
  EXPECT_EQ(tok.encode("he ho"), (Ids{6, 1, 4}));
  EXPECT_EQ(tok.encode("eh"), (Ids{0, 0}));  // no "e" at the start of a word, no "##h"
}

TEST(Bpe, EndOfWordSuffix) {
  Spec spec;
  spec.vocab = {"<unk>", "l", "o", "w</w>", "l</w>", "lo", "low</w>"};
  spec.merges = {"l o", "lo w</w>"};
  spec.model_options = {{"unk_token", "<unk>"}, {"end_of_word_suffix", "</w>"}};
  spec.pre_tokenizer = {{"type", "WhitespaceSplit"}};
  const Tokenizer tok = load(spec);
  EXPECT_EQ(tok.encode("low"), (Ids{6}));
  EXPECT_EQ(tok.encode("lol low"), (Ids{5, 4, 6}));
  EXPECT_EQ(tok.encode("wl"), (Ids{0, 4}));  // "w" not at the end has no token
}

TEST(Bpe, IgnoreMerges) {
  Spec spec;
  spec.vocab = {"a", "b", "c", "ab", "abc", "bc"};
  spec.merges = {"a b", "b c"};  // "abc" is in the vocabulary but no merge reaches it
  EXPECT_EQ(load(spec).encode("abc"), (Ids{3, 2}));
  spec.model_options = {{"ignore_merges", true}};
  EXPECT_EQ(load(spec).encode("abc"), (Ids{4}));
  // Without a pre-tokenizer the whole text is one word; not in the vocabulary, it is merged.
  EXPECT_EQ(load(spec).encode("abcab"), (Ids{3, 2, 3}));
}

TEST(Bpe, MergePriorityAndLeftmostTies) {
  Spec spec;
  spec.vocab = {"a", "b", "ab", "ba", "aa"};
  spec.merges = {"b a", "a b", "a a"};
  const Tokenizer tok = load(spec);
  EXPECT_EQ(tok.encode("aba"), (Ids{0, 3}));      // "b a" ranks first
  EXPECT_EQ(tok.encode("aaa"), (Ids{4, 0}));      // equal ranks: leftmost first
  EXPECT_EQ(tok.encode("abab"), (Ids{0, 3, 1}));  // "b a" in the middle, then nothing
}

// A plain, slow BPE: merge the adjacent pair with the lowest rank (leftmost among equals) until no
// pair has a rank. The reference the fast paths must agree with.
Pieces naive_bpe(const std::map<std::pair<std::string, std::string>, size_t>& ranks,
                 const std::string& word) {
  Pieces symbols;
  for (const char c : word) symbols.emplace_back(1, c);
  while (symbols.size() > 1) {
    size_t best = SIZE_MAX, at = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto it = ranks.find({symbols[i], symbols[i + 1]});
      if (it != ranks.end() && it->second < best) {
        best = it->second;
        at = i;
      }
    }
    if (best == SIZE_MAX) break;
    symbols[at] += symbols[at + 1];
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  return symbols;
}

TEST(Bpe, LongAndShortWordsAgreeWithANaiveMergeLoop) {
  std::mt19937 rng(20240611);
  const std::string alphabet = "abcd";
  Pieces vocab;
  for (const char c : alphabet) vocab.emplace_back(1, c);
  std::map<std::pair<std::string, std::string>, size_t> ranks;
  Pieces merges;
  // Random merges over the growing vocabulary. Different pairs may produce the same token
  // ("ab"+"c" and "a"+"bc"), which exercises the stale-entry checks of the heap.
  while (merges.size() < 400) {
    const std::string l = vocab[rng() % vocab.size()];
    const std::string r = vocab[rng() % vocab.size()];
    if (l.size() + r.size() > 10 || ranks.count({l, r})) continue;
    ranks[{l, r}] = merges.size();
    merges.push_back(l + " " + r);
    if (std::find(vocab.begin(), vocab.end(), l + r) == vocab.end()) vocab.push_back(l + r);
  }
  Spec spec;
  spec.vocab = vocab;
  spec.merges = merges;
  const Tokenizer tok = load(spec);

  size_t long_words = 0;
  for (int w = 0; w < 400; ++w) {
    const size_t length = w < 200 ? 1 + rng() % 48 : 49 + rng() % 600;
    std::string word;
    for (size_t i = 0; i < length; ++i) word += alphabet[rng() % alphabet.size()];
    // Runs of one letter make many equal-rank pairs, the case where order matters most.
    if (w % 7 == 0) word = std::string(length, alphabet[rng() % alphabet.size()]);
    long_words += length > 48;
    const Pieces expected = naive_bpe(ranks, word);
    ASSERT_EQ(tokens_of(tok, tok.encode(word)), expected) << "word " << w << ": " << word;
    // Twice: the second time comes from the word cache.
    ASSERT_EQ(tokens_of(tok, tok.encode(word)), expected) << "cached word " << w;
  }
  EXPECT_GE(long_words, 200u);
}

}  // namespace
}  // namespace longalign::text
