#include "synth/tasks.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <optional>

#include "core/error.h"
#include "core/parallel.h"
#include "synth/filler.h"

namespace longalign::synth {

TaskKind parse_task(std::string_view name) {
  if (name == "passkey") return TaskKind::kPasskey;
  if (name == "kv") return TaskKind::kKv;
  if (name == "multi-needle") return TaskKind::kMultiNeedle;
  if (name == "vartrack") return TaskKind::kVartrack;
  throw UsageError("unknown task \"" + std::string(name) +
                   "\" (expected passkey, kv, multi-needle or vartrack)");
}

std::string_view task_name(TaskKind kind) {
  switch (kind) {
    case TaskKind::kPasskey:
      return "passkey";
    case TaskKind::kKv:
      return "kv";
    case TaskKind::kMultiNeedle:
      return "multi-needle";
    case TaskKind::kVartrack:
      return "vartrack";
  }
  return "?";
}

std::vector<size_t> parse_lengths(std::string_view list) {
  std::vector<size_t> out;
  const auto bad = [&](std::string_view item) {
    return UsageError("--lengths: \"" + std::string(item) +
                      "\" is not a length (use a number of tokens, or 1k = 1024)");
  };
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(start, end - start);
    size_t multiplier = 1;
    if (!item.empty() && (item.back() == 'k' || item.back() == 'K')) {
      multiplier = 1024;
      item.remove_suffix(1);
    }
    size_t value = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() || value == 0 ||
        value > (size_t{1} << 24) / multiplier) {
      throw bad(list.substr(start, end - start));
    }
    out.push_back(value * multiplier);
    start = end + 1;
  }
  return out;
}

namespace {

// A task before its filler: the text around the document, the needles and the answer.
struct Layout {
  std::string header;                  // before the document
  std::string question;                // after the document
  std::string open, close, separator;  // around and between the document's units
  struct Needle {
    std::string text;
    double depth;
  };
  std::vector<Needle> needles;  // sorted by depth; ties keep their order
  double depth = 0;
  std::string answer;
};

std::string random_digits(Rng& rng, size_t digits) {
  std::string s(1, static_cast<char>('1' + rng.below(9)));
  while (s.size() < digits) s += static_cast<char>('0' + rng.below(10));
  return s;
}

// 8-4-4-4-12 lowercase hex, the shape of a UUID.
std::string random_uuid(Rng& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (const size_t group : {8, 4, 4, 4, 12}) {
    if (!s.empty()) s += '-';
    for (size_t i = 0; i < group; ++i) s += kHex[rng.below(16)];
  }
  return s;
}

std::string kv_line(const std::string& key, const std::string& value) {
  return "\"" + key + "\": \"" + value + "\"";
}

class KvFiller : public FillerSource {
 public:
  explicit KvFiller(uint64_t seed) : rng_(seed) {}
  std::string next() override {
    std::string key = random_uuid(rng_);
    return kv_line(key, random_uuid(rng_));
  }

 private:
  Rng rng_;
};

constexpr std::array kNeedleWords = {
    "lantern", "thistle", "harbor", "copper", "meadow",  "falcon",  "juniper", "pebble",
    "saffron", "glacier", "orchid", "walnut", "compass", "ember",   "willow",  "quartz",
    "heron",   "marble",  "cinder", "velvet", "tundra",  "sparrow", "basalt",  "clover"};

Layout passkey_layout(Rng& rng) {
  Layout l;
  const std::string key = random_digits(rng, 5 + rng.below(3));
  l.header =
      "A pass key is hidden somewhere in the long text below. Read all of it, find the pass key "
      "and remember it, because you will be asked for it at the end.\n\n";
  l.question = "\n\nWhat is the pass key hidden in the text above? Reply with the number only.";
  l.separator = " ";
  l.depth = rng.uniform();
  l.needles.push_back({"The pass key is " + key + ". Remember it.", l.depth});
  l.answer = key;
  return l;
}

Layout kv_layout(Rng& rng) {
  Layout l;
  const std::string key = random_uuid(rng), value = random_uuid(rng);
  l.header =
      "The JSON object below holds many key-value pairs; every key and every value is a random "
      "identifier.\n\n";
  l.question = "\n\nWhat is the value stored under the key \"" + key +
               "\" in the JSON object above? Reply with the value only.";
  l.open = "{\n";
  l.close = "\n}";
  l.separator = ",\n";
  l.depth = rng.uniform();
  l.needles.push_back({kv_line(key, value), l.depth});
  l.answer = value;
  return l;
}

Layout multi_needle_layout(Rng& rng, bool all) {
  constexpr size_t kNeedles = 4;
  Layout l;
  std::vector<std::string> words(kNeedleWords.begin(), kNeedleWords.end());
  std::vector<std::string> numbers;
  for (size_t i = 0; i < kNeedles; ++i) {
    // Distinct words: draw from the ones not yet used.
    const size_t w = i + rng.below(words.size() - i);
    std::swap(words[i], words[w]);
    std::string n = random_digits(rng, 7);
    while (std::find(numbers.begin(), numbers.end(), n) != numbers.end()) {
      n = random_digits(rng, 7);
    }
    numbers.push_back(n);
    // Stratified depths: one needle in each quarter of the document, at a uniform point in it.
    const double depth = (static_cast<double>(i) + rng.uniform()) / kNeedles;
    l.needles.push_back(
        {"The special magic number for " + words[i] + " is " + numbers[i] + ".", depth});
  }
  const size_t asked = rng.below(kNeedles);
  l.separator = " ";
  if (!all) {
    l.header =
        "Several special magic numbers are hidden in the long text below. Read all of it and "
        "remember them, because you will be asked about one of them at the end.\n\n";
    l.question = "\n\nWhat is the special magic number for " + words[asked] +
                 " mentioned in the text above? Reply with the number only.";
    l.depth = l.needles[asked].depth;
    l.answer = numbers[asked];
    return l;
  }
  l.header =
      "Several special magic numbers are hidden in the long text below. Read all of it and "
      "remember them, because you will be asked for all of them at the end.\n\n";
  std::string names;
  for (size_t i = 0; i < kNeedles; ++i) {
    names += i == 0 ? "" : (i + 1 == kNeedles ? " and " : ", ");
    names += words[i];
    l.answer += (i == 0 ? "" : ", ") + numbers[i];
  }
  l.question = "\n\nWhat are the special magic numbers for " + names +
               " mentioned in the text above? Reply with the numbers only, in that order, "
               "separated by commas.";
  l.depth = l.needles[0].depth;
  return l;
}

Layout vartrack_layout(Rng& rng) {
  constexpr size_t kChain = 5, kChains = 2;  // the asked chain and one distractor
  Layout l;
  std::vector<std::string> names;
  const auto fresh_name = [&] {
    std::string n;
    do {
      n.clear();
      for (size_t i = 0; i < 5; ++i) n += static_cast<char>('A' + rng.below(26));
    } while (n == "VAR" || std::find(names.begin(), names.end(), n) != names.end());
    names.push_back(n);
    return n;
  };
  std::vector<std::string> values;
  for (size_t c = 0; c < kChains; ++c) {
    std::string value = random_digits(rng, 5);
    while (std::find(values.begin(), values.end(), value) != values.end()) {
      value = random_digits(rng, 5);
    }
    values.push_back(value);
    // The chain's lines run from a uniform depth towards the end, in order.
    const double start = rng.uniform();
    std::string previous = value;
    std::string chain;
    for (size_t i = 0; i < kChain; ++i) {
      const std::string name = fresh_name();
      const double depth = start + (1.0 - start) * static_cast<double>(i) / kChain;
      l.needles.push_back({"VAR " + name + " = " + previous + ".", depth});
      previous = name;
      if (!chain.empty()) chain += ", ";
      chain += name;
    }
    if (c == 0) {
      l.depth = start;
      l.answer = chain;
    }
  }
  std::stable_sort(
      l.needles.begin(), l.needles.end(),
      [](const Layout::Needle& a, const Layout::Needle& b) { return a.depth < b.depth; });
  l.header =
      "The text below hides variable assignments among its sentences: the word VAR, a name, an "
      "equals sign and a value. A variable can be assigned a number or another variable. Follow "
      "them carefully.\n\n";
  l.question = "\n\nWhich variables in the text above hold the value " + values[0] +
               ", directly or through other variables? List all of them, in the order they are "
               "assigned, separated by commas.";
  l.separator = " ";
  return l;
}

Layout make_layout(const TaskOptions& o, Rng& rng) {
  switch (o.task) {
    case TaskKind::kPasskey:
      return passkey_layout(rng);
    case TaskKind::kKv:
      return kv_layout(rng);
    case TaskKind::kMultiNeedle:
      return multi_needle_layout(rng, o.all_needles);
    case TaskKind::kVartrack:
      return vartrack_layout(rng);
  }
  throw Error("unknown task kind");
}

// The user message with `units` filler units and the needles at their depths.
std::string assemble(const Layout& l, const std::vector<std::string>& units) {
  std::string doc = l.header + l.open;
  size_t needle = 0;
  bool first = true;
  const auto add = [&](const std::string& s) {
    if (!first) doc += l.separator;
    doc += s;
    first = false;
  };
  const double n = static_cast<double>(units.size());
  for (size_t i = 0; i <= units.size(); ++i) {
    while (needle < l.needles.size() &&
           static_cast<size_t>(std::lround(l.needles[needle].depth * n)) <= i) {
      add(l.needles[needle++].text);
    }
    if (i < units.size()) add(units[i]);
  }
  return doc + l.close + l.question;
}

Sample make_sample(const text::Tokenizer& tok, const TaskOptions& o, size_t length, uint64_t seed) {
  Rng rng(seed);
  const Layout l = make_layout(o, rng);
  std::unique_ptr<FillerSource> source;
  if (o.task == TaskKind::kKv) {
    source = std::make_unique<KvFiller>(rng.next());
  } else if (!o.haystack.empty()) {
    source = std::make_unique<HaystackFiller>(&o.haystack, rng.below(o.haystack.size()));
  } else {
    source = std::make_unique<GrammarFiller>(rng.next());
  }
  const auto count = [&](const std::string& s) { return tok.encode(s).size(); };

  std::vector<std::string> units;
  std::vector<size_t> costs;  // estimated tokens of each unit with its separator
  std::vector<std::pair<std::string, size_t>> spare;  // units taken out again, reused first
  const auto take = [&]() -> std::pair<std::string, size_t> {
    if (!spare.empty()) {
      auto u = std::move(spare.back());
      spare.pop_back();
      return u;
    }
    std::string s = source->next();
    const size_t c = count(l.separator + s);
    return {std::move(s), c};
  };

  size_t exact = count(assemble(l, units));
  if (exact > length) {
    throw UsageError("length " + std::to_string(length) + " is too short for the " +
                     std::string(task_name(o.task)) + " task: its fixed text alone is " +
                     std::to_string(exact) + " tokens");
  }
  // Add units by their estimated cost, then measure the whole message, a few rounds: the sum of
  // the parts is close to, but not exactly, the length of the whole.
  for (int round = 0; round < 8; ++round) {
    size_t gap = length - exact;
    size_t added = 0;
    for (;;) {
      auto u = take();
      if (u.second > gap) {
        spare.push_back(std::move(u));
        break;
      }
      gap -= u.second;
      costs.push_back(u.second);
      units.push_back(std::move(u.first));
      ++added;
    }
    exact = count(assemble(l, units));
    // Over the target: take back units by estimate until the excess is covered.
    while (exact > length && !units.empty()) {
      size_t excess = exact - length;
      while (excess > 0 && !units.empty()) {
        excess -= std::min(excess, costs.back());
        spare.emplace_back(std::move(units.back()), costs.back());
        units.pop_back();
        costs.pop_back();
      }
      exact = count(assemble(l, units));
    }
    if (added == 0) break;
  }

  Sample s;
  s.task = o.task;
  s.length = length;
  s.tokens = exact;
  s.depth = l.depth;
  for (const auto& n : l.needles) {
    s.depths.push_back(n.depth);
    s.needles.push_back(n.text);
  }
  s.prompt = assemble(l, units);
  s.answer = l.answer;
  return s;
}

double round4(double x) {
  return std::round(x * 1e4) / 1e4;
}

}  // namespace

std::vector<Sample> generate_tasks(const text::Tokenizer& tokenizer, const TaskOptions& options) {
  // Each (task, length, sample) has its own stream, so the tasks of one seed share no keys.
  const uint64_t task_seed =
      derive_seed(options.seed, static_cast<uint64_t>(options.task) + 1, 0x7a5c);
  std::vector<std::pair<size_t, uint64_t>> jobs;  // (length, seed)
  for (size_t li = 0; li < options.lengths.size(); ++li) {
    for (size_t i = 0; i < options.count; ++i) {
      jobs.emplace_back(options.lengths[li], derive_seed(task_seed, options.lengths[li], i));
    }
  }
  std::vector<Sample> samples(jobs.size());
  parallel_for(jobs.size(), options.threads, 1, [&](size_t, size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j) {
      samples[j] = make_sample(tokenizer, options, jobs[j].first, jobs[j].second);
    }
  });
  return samples;
}

Json sample_to_json(const Sample& s) {
  Json j;
  j["messages"] = Json::array({Json{{"role", "user"}, {"content", s.prompt}},
                               Json{{"role", "assistant"}, {"content", s.answer}}});
  j["task"] = std::string(task_name(s.task));
  j["length"] = s.length;
  j["tokens"] = s.tokens;
  j["depth"] = round4(s.depth);
  Json depths = Json::array();
  for (const double d : s.depths) depths.push_back(round4(d));
  j["depths"] = depths;
  j["needles"] = s.needles;
  j["answer"] = s.answer;
  return j;
}

}  // namespace longalign::synth
