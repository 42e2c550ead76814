// The synthetic tasks: deterministic for a seed, needles present, lengths close to the target in
// the llama3 tokenizer's tokens, and answers that follow from the document alone.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "core/error.h"
#include "synth/filler.h"
#include "synth/tasks.h"
#include "test_support.h"
#include "text/tokenizer.h"

namespace longalign::synth {
namespace {

using testing::contains;

const text::Tokenizer& llama3() {
  static const text::Tokenizer tok = text::Tokenizer::load(testing::npm_tokenizer_dir("llama3"));
  return tok;
}

std::vector<Sample> generate(TaskKind kind, std::vector<size_t> lengths, size_t count,
                             uint64_t seed, size_t threads = 0) {
  TaskOptions o;
  o.task = kind;
  o.lengths = std::move(lengths);
  o.count = count;
  o.seed = seed;
  o.threads = threads;
  return generate_tasks(llama3(), o);
}

// The filler never leaves more than one unit's worth of room: within this many tokens below.
constexpr size_t kTolerance = 64;

void expect_common(const std::vector<Sample>& samples) {
  for (const auto& s : samples) {
    SCOPED_TRACE(std::string(task_name(s.task)) + " length " + std::to_string(s.length));
    const size_t measured = llama3().encode(s.prompt).size();
    EXPECT_EQ(measured, s.tokens);
    EXPECT_LE(measured, s.length);
    EXPECT_GE(measured + kTolerance, s.length);
    for (const auto& n : s.needles) EXPECT_TRUE(contains(s.prompt, n)) << n;
    EXPECT_FALSE(s.answer.empty());
    EXPECT_GE(s.depth, 0.0);
    EXPECT_LT(s.depth, 1.0);
    // The needles appear in the document in the recorded order.
    size_t at = 0;
    for (const auto& n : s.needles) {
      const size_t found = s.prompt.find(n, at);
      ASSERT_NE(found, std::string::npos) << n;
      at = found + n.size();
    }
  }
}

TEST(SynthParse, Lengths) {
  EXPECT_EQ(parse_lengths("1k,2K,4k,3000"), (std::vector<size_t>{1024, 2048, 4096, 3000}));
  EXPECT_EQ(parse_lengths("128"), (std::vector<size_t>{128}));
  for (const char* bad : {"", "1k,", ",1k", "0", "k", "1m", "1.5k", "-3", "1k,x", "99999999999"}) {
    EXPECT_THROW(parse_lengths(bad), UsageError) << bad;
  }
}

TEST(SynthParse, Tasks) {
  for (const char* name : {"passkey", "kv", "multi-needle", "vartrack"}) {
    EXPECT_EQ(task_name(parse_task(name)), name);
  }
  EXPECT_THROW(parse_task("needle"), UsageError);
}

TEST(SynthFiller, GrammarIsDeterministicVariedAndDigitFree) {
  GrammarFiller a(7), b(7), c(8);
  std::set<std::string> distinct;
  for (int i = 0; i < 200; ++i) {
    const std::string s = a.next();
    EXPECT_EQ(s, b.next());
    EXPECT_EQ(s.find_first_of("0123456789"), std::string::npos) << s;
    EXPECT_TRUE(s.back() == '.') << s;
    EXPECT_TRUE(std::isupper(static_cast<unsigned char>(s[0]))) << s;
    distinct.insert(s);
  }
  EXPECT_GT(distinct.size(), 190u);
  EXPECT_NE(GrammarFiller(7).next() + GrammarFiller(7).next(), c.next() + c.next());
}

TEST(SynthFiller, SplitSentences) {
  EXPECT_EQ(split_sentences("One two.  Three\nfour! Five?\n\nsix"),
            (std::vector<std::string>{"One two.", "Three four!", "Five?", "six"}));
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "word ";
  const auto parts = split_sentences(long_text);
  ASSERT_EQ(parts.size(), 3u);  // 40 + 40 + 20 words
}

TEST(SynthTasks, DeterministicForASeedAndIndependentOfThreads) {
  const auto a = generate(TaskKind::kPasskey, {1024, 2048}, 3, 42, 1);
  const auto b = generate(TaskKind::kPasskey, {1024, 2048}, 3, 42, 4);
  const auto c = generate(TaskKind::kPasskey, {1024, 2048}, 3, 43, 1);
  ASSERT_EQ(a.size(), 6u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(sample_to_json(a[i]).dump(), sample_to_json(b[i]).dump());
    EXPECT_NE(a[i].prompt, c[i].prompt);
  }
  EXPECT_EQ(a[0].length, 1024u);
  EXPECT_EQ(a[3].length, 2048u);
}

TEST(SynthTasks, Passkey) {
  const auto samples = generate(TaskKind::kPasskey, {1024, 4096}, 4, 1);
  expect_common(samples);
  for (const auto& s : samples) {
    ASSERT_EQ(s.needles.size(), 1u);
    EXPECT_EQ(s.needles[0], "The pass key is " + s.answer + ". Remember it.");
    EXPECT_GE(s.answer.size(), 5u);
    EXPECT_LE(s.answer.size(), 7u);
    EXPECT_EQ(s.answer.find_first_not_of("0123456789"), std::string::npos);
    // The answer is the only number in the whole message.
    EXPECT_EQ(s.prompt.find_first_of("0123456789"), s.prompt.find(s.answer));
    EXPECT_EQ(s.prompt.find_last_of("0123456789") + 1, s.prompt.find(s.answer) + s.answer.size());
  }
}

TEST(SynthTasks, Kv) {
  const auto samples = generate(TaskKind::kKv, {1024, 2048}, 3, 2);
  expect_common(samples);
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  for (const auto& s : samples) {
    EXPECT_TRUE(std::regex_match(s.answer, uuid)) << s.answer;
    ASSERT_EQ(s.needles.size(), 1u);
    // The question names the key of the needle pair, whose value is the answer.
    const std::string key = s.needles[0].substr(1, 36);
    EXPECT_EQ(s.needles[0], "\"" + key + "\": \"" + s.answer + "\"");
    EXPECT_TRUE(contains(s.prompt, "under the key \"" + key + "\""));
    // The key is defined once, as is the value.
    const size_t first = s.prompt.find("\"" + key + "\": ");
    EXPECT_EQ(s.prompt.find("\"" + key + "\": ", first + 1), std::string::npos);
    EXPECT_EQ(s.prompt.find(s.answer), s.prompt.rfind(s.answer));
    EXPECT_TRUE(contains(s.prompt, "{\n\""));
    EXPECT_TRUE(contains(s.prompt, "\"\n}"));
  }
}

TEST(SynthTasks, MultiNeedle) {
  const auto samples = generate(TaskKind::kMultiNeedle, {1024, 2048}, 3, 3);
  expect_common(samples);
  const std::regex needle("The special magic number for ([a-z]+) is ([0-9]+)\\.");
  const std::regex question("What is the special magic number for ([a-z]+) mentioned");
  for (const auto& s : samples) {
    ASSERT_EQ(s.needles.size(), 4u);
    std::map<std::string, std::string> numbers;
    for (auto it = std::sregex_iterator(s.prompt.begin(), s.prompt.end(), needle);
         it != std::sregex_iterator(); ++it) {
      EXPECT_TRUE(numbers.emplace((*it)[1], (*it)[2]).second) << "word repeated";
    }
    EXPECT_EQ(numbers.size(), 4u);
    std::smatch q;
    ASSERT_TRUE(std::regex_search(s.prompt, q, question));
    EXPECT_EQ(numbers[q[1]], s.answer);
    for (size_t i = 0; i < 4; ++i) {  // one needle per quarter
      EXPECT_GE(s.depths[i], i / 4.0);
      EXPECT_LT(s.depths[i], (i + 1) / 4.0);
    }
  }
}

TEST(SynthTasks, MultiNeedleAskingForAll) {
  TaskOptions o;
  o.task = TaskKind::kMultiNeedle;
  o.lengths = {1024, 2048};
  o.count = 2;
  o.seed = 3;
  const auto one = generate_tasks(llama3(), o);
  o.all_needles = true;
  const auto all = generate_tasks(llama3(), o);
  expect_common(all);
  const std::regex needle("The special magic number for ([a-z]+) is ([0-9]+)\\.");
  ASSERT_EQ(all.size(), one.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& s = all[i];
    EXPECT_EQ(s.needles, one[i].needles);  // the same needles, asked differently
    std::string numbers, words;
    for (auto it = std::sregex_iterator(s.prompt.begin(), s.prompt.end(), needle);
         it != std::sregex_iterator(); ++it) {
      numbers += (numbers.empty() ? "" : ", ") + (*it)[2].str();
      words += (words.empty() ? "" : ", ") + (*it)[1].str();
    }
    EXPECT_EQ(s.answer, numbers);
    const size_t last_comma = words.rfind(", ");
    words.replace(last_comma, 2, " and ");
    EXPECT_TRUE(contains(s.prompt, "magic numbers for " + words + " mentioned")) << words;
    EXPECT_DOUBLE_EQ(s.depth, s.depths[0]);
  }
}

// Re-derives the vartrack answer from the VAR lines of the document alone.
std::string resolve_vartrack(const std::string& prompt, const std::string& value) {
  const std::regex line("VAR ([A-Z]+) = ([A-Z]+|[0-9]+)\\.");
  std::vector<std::pair<std::string, std::string>> assignments;
  for (auto it = std::sregex_iterator(prompt.begin(), prompt.end(), line);
       it != std::sregex_iterator(); ++it) {
    assignments.emplace_back((*it)[1], (*it)[2]);
  }
  std::map<std::string, std::string> known;  // variable -> number, in document order
  std::string answer;
  for (const auto& [name, rhs] : assignments) {
    std::string v = rhs;
    if (!std::isdigit(static_cast<unsigned char>(rhs[0]))) {
      const auto found = known.find(rhs);
      if (found == known.end()) return "<" + rhs + " used before it is assigned>";
      v = found->second;
    }
    if (!known.emplace(name, v).second) return "<" + name + " assigned twice>";
    if (v == value) answer += (answer.empty() ? "" : ", ") + name;
  }
  return answer;
}

TEST(SynthTasks, VartrackChainsResolveToTheAnswer) {
  const auto samples = generate(TaskKind::kVartrack, {1024, 2048}, 4, 4);
  expect_common(samples);
  const std::regex question("hold the value ([0-9]+),");
  for (const auto& s : samples) {
    std::smatch q;
    ASSERT_TRUE(std::regex_search(s.prompt, q, question));
    EXPECT_EQ(resolve_vartrack(s.prompt, q[1]), s.answer);
    EXPECT_EQ(std::count(s.answer.begin(), s.answer.end(), ','), 4);
    EXPECT_EQ(s.needles.size(), 10u);  // the asked chain and a distractor
  }
}

TEST(SynthTasks, HaystackFillerUsesTheGivenText) {
  TaskOptions o;
  o.task = TaskKind::kPasskey;
  o.lengths = {1024};
  o.count = 2;
  o.haystack = split_sentences(
      "Zebras graze on the savanna at noon. Herons wade through the shallow marsh. "
      "Otters float on their backs and crack shells.");
  const auto samples = generate_tasks(llama3(), o);
  expect_common(samples);
  for (const auto& s : samples) {
    EXPECT_TRUE(contains(s.prompt, "Herons wade through the shallow marsh."));
    EXPECT_FALSE(contains(s.prompt, "lantern"));  // no grammar filler
  }
}

TEST(SynthTasks, TooShortALengthIsAUsageError) {
  EXPECT_THROW(generate(TaskKind::kVartrack, {16}, 1, 0), UsageError);
}

TEST(SynthTasks, JsonRecord) {
  const auto s = generate(TaskKind::kPasskey, {512}, 1, 9)[0];
  const Json j = sample_to_json(s);
  ASSERT_EQ(j["messages"].size(), 2u);
  EXPECT_EQ(j["messages"][0]["role"], "user");
  EXPECT_EQ(j["messages"][0]["content"], s.prompt);
  EXPECT_EQ(j["messages"][1]["role"], "assistant");
  EXPECT_EQ(j["messages"][1]["content"], s.answer);
  EXPECT_EQ(j["task"], "passkey");
  EXPECT_EQ(j["length"], 512);
  EXPECT_EQ(j["answer"], s.answer);
  EXPECT_TRUE(j["depth"].is_number());
}

}  // namespace
}  // namespace longalign::synth
