// Pre-tokenizers: ByteLevel, Split, Metaspace, Digits, Punctuation, Whitespace, WhitespaceSplit,
// Sequence. Each turns the list of pieces into a finer list, as Hugging Face's do.
#include "core/error.h"
#include "text/components.h"
#include "text/pattern.h"
#include "text/unicode.h"

namespace longalign::text {

namespace {

enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

Behavior parse_behavior(const Json& j, const std::string& where, Behavior fallback) {
  const auto it = j.find("behavior");
  if (it == j.end() || it->is_null()) return fallback;
  const std::string name = it->is_string() ? it->get<std::string>() : "";
  if (name == "Removed") return Behavior::kRemoved;
  if (name == "Isolated") return Behavior::kIsolated;
  if (name == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return Behavior::kMergedWithNext;
  if (name == "Contiguous") return Behavior::kContiguous;
  throw Error(where + ": unsupported split behavior \"" + name + "\"");
}

struct Span {
  size_t begin, end;
  bool match;
};

// Cuts `piece` at the matched spans and appends the parts to `out` according to `behavior`
// (the rules of Hugging Face's NormalizedString::split). Empty parts are dropped. The parts are
// compacted in place over the spans: part k never lies after span k.
void split_piece(const std::string& piece, const std::vector<std::pair<size_t, size_t>>& matches,
                 Behavior behavior, bool invert, std::vector<std::string>& out) {
  std::vector<Span> spans;
  spans.reserve(matches.size() * 2 + 1);
  size_t prev = 0;
  for (const auto& [b, e] : matches) {
    if (b != prev) spans.push_back({prev, b, invert});
    spans.push_back({b, e, !invert});
    prev = e;
  }
  if (prev != piece.size()) spans.push_back({prev, piece.size(), invert});

  size_t first = 0, last = 0;  // the parts are spans[first, last)
  bool previous_match = false;
  switch (behavior) {
    case Behavior::kRemoved:
      for (const Span& s : spans) {
        if (!s.match) spans[last++] = s;
      }
      break;
    case Behavior::kIsolated:
      last = spans.size();
      break;
    case Behavior::kMergedWithPrevious:
    case Behavior::kContiguous:
      for (const Span& s : spans) {
        const bool merge = behavior == Behavior::kContiguous ? s.match == previous_match
                                                             : s.match && !previous_match;
        if (merge && last > 0) {
          spans[last - 1].end = s.end;
        } else {
          spans[last++] = s;
        }
        previous_match = s.match;
      }
      break;
    case Behavior::kMergedWithNext:
      first = last = spans.size();
      for (size_t i = spans.size(); i-- > 0;) {
        const Span s = spans[i];
        if (s.match && !previous_match && first < last) {
          spans[first].begin = s.begin;
        } else {
          spans[--first] = s;
        }
        previous_match = s.match;
      }
      break;
  }
  for (size_t k = first; k < last; ++k) {
    if (spans[k].end > spans[k].begin) {
      out.emplace_back(piece, spans[k].begin, spans[k].end - spans[k].begin);
    }
  }
}

// Every character for which `predicate` holds is a match of its own.
template <typename Predicate>
std::vector<std::pair<size_t, size_t>> char_matches(const std::string& piece, Predicate predicate) {
  std::vector<std::pair<size_t, size_t>> matches;
  for (size_t i = 0; i < piece.size();) {
    const size_t start = i;
    if (predicate(next_code_point(piece, i))) matches.emplace_back(start, i);
  }
  return matches;
}

template <typename Predicate>
void split_all_by_char(std::vector<std::string>& pieces, Predicate predicate, Behavior behavior,
                       bool invert) {
  std::vector<std::string> out;
  out.reserve(pieces.size());
  for (const auto& piece : pieces) {
    split_piece(piece, char_matches(piece, predicate), behavior, invert, out);
  }
  pieces = std::move(out);
}

void split_all_by_pattern(std::vector<std::string>& pieces, const Pattern& pattern,
                          Behavior behavior, bool invert) {
  std::vector<std::string> out;
  out.reserve(pieces.size() * 4);
  std::vector<std::pair<size_t, size_t>> matches;
  for (const auto& piece : pieces) {
    matches.clear();
    pattern.for_each_match(piece, [&](size_t b, size_t e) { matches.emplace_back(b, e); });
    split_piece(piece, matches, behavior, invert, out);
  }
  pieces = std::move(out);
}

// GPT-2's word pattern, used by ByteLevel when use_regex is set.
const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(const Json& j, const std::string& where)
      : add_prefix_space_(json_bool_or(j, "add_prefix_space", true, where)) {
    if (json_bool_or(j, "use_regex", true, where)) {
      regex_ = std::make_unique<Pattern>(Json{{"Regex", kGpt2Pattern}}, where);
    }
  }
  void split(std::vector<std::string>& pieces, bool) const override {
    if (add_prefix_space_) {
      for (auto& p : pieces) {
        if (p.empty() || p[0] != ' ') p = " " + p;
      }
    }
    if (regex_) split_all_by_pattern(pieces, *regex_, Behavior::kIsolated, false);
    for (auto& p : pieces) {
      std::string mapped;
      mapped.reserve(p.size() * 2);
      for (const char c : p) mapped += byte_level_char(static_cast<unsigned char>(c));
      p = std::move(mapped);
    }
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Pattern> regex_;
};

class Split final : public PreTokenizer {
 public:
  Split(const Json& j, const std::string& where)
      : pattern_(json_field(j, "pattern", where), where + ".pattern"),
        behavior_(parse_behavior(j, where, Behavior::kIsolated)),
        invert_(json_bool_or(j, "invert", false, where)) {}
  void split(std::vector<std::string>& pieces, bool) const override {
    split_all_by_pattern(pieces, pattern_, behavior_, invert_);
  }

 private:
  Pattern pattern_;
  Behavior behavior_;
  bool invert_;
};

// SentencePiece's convention: spaces become "▁" (by default), one is prepended, and the text is
// cut before each "▁".
class Metaspace final : public PreTokenizer {
 public:
  enum class Prepend { kAlways, kFirst, kNever };

  Metaspace(const Json& j, const std::string& where)
      : replacement_(json_string(j, "replacement", where)),
        split_(json_bool_or(j, "split", true, where)),
        split_pattern_(Json{{"String", replacement_}}, where) {
    size_t i = 0;
    if (replacement_.empty() || (next_code_point(replacement_, i), i != replacement_.size())) {
      throw Error(where + ": \"replacement\" must be exactly one character");
    }
    const auto scheme = j.find("prepend_scheme");
    if (scheme != j.end() && scheme->is_string()) {
      const std::string s = scheme->get<std::string>();
      if (s == "always")
        prepend_ = Prepend::kAlways;
      else if (s == "first")
        prepend_ = Prepend::kFirst;
      else if (s == "never")
        prepend_ = Prepend::kNever;
      else
        throw Error(where + ": unsupported prepend_scheme \"" + s + "\"");
    } else {
      prepend_ =
          json_bool_or(j, "add_prefix_space", true, where) ? Prepend::kAlways : Prepend::kNever;
    }
  }
  void split(std::vector<std::string>& pieces, bool first) const override {
    for (size_t k = 0; k < pieces.size(); ++k) {
      std::string& p = pieces[k];
      std::string replaced;
      replaced.reserve(p.size() + replacement_.size());
      for (const char c : p) {
        if (c == ' ')
          replaced += replacement_;
        else
          replaced += c;
      }
      const bool want =
          prepend_ == Prepend::kAlways || (prepend_ == Prepend::kFirst && first && k == 0);
      if (want && replaced.compare(0, replacement_.size(), replacement_) != 0) {
        replaced = replacement_ + replaced;
      }
      p = std::move(replaced);
    }
    if (split_) split_all_by_pattern(pieces, split_pattern_, Behavior::kMergedWithNext, false);
  }

 private:
  std::string replacement_;
  bool split_;
  Pattern split_pattern_;
  Prepend prepend_ = Prepend::kAlways;
};

class Digits final : public PreTokenizer {
 public:
  explicit Digits(bool individual) : individual_(individual) {}
  void split(std::vector<std::string>& pieces, bool) const override {
    split_all_by_char(pieces, is_numeric, individual_ ? Behavior::kIsolated : Behavior::kContiguous,
                      false);
  }

 private:
  bool individual_;
};

class Punctuation final : public PreTokenizer {
 public:
  explicit Punctuation(Behavior behavior) : behavior_(behavior) {}
  void split(std::vector<std::string>& pieces, bool) const override {
    split_all_by_char(pieces, is_punctuation, behavior_, false);
  }

 private:
  Behavior behavior_;
};

// Words and runs of other non-space characters; white space is dropped.
class Whitespace final : public PreTokenizer {
 public:
  Whitespace() : pattern_(Json{{"Regex", R"(\w+|[^\w\s]+)"}}, "Whitespace") {}
  void split(std::vector<std::string>& pieces, bool) const override {
    split_all_by_pattern(pieces, pattern_, Behavior::kRemoved, true);
  }

 private:
  Pattern pattern_;
};

class WhitespaceSplit final : public PreTokenizer {
 public:
  void split(std::vector<std::string>& pieces, bool) const override {
    split_all_by_char(pieces, is_whitespace, Behavior::kRemoved, false);
  }
};

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void split(std::vector<std::string>& pieces, bool first) const override {
    for (const auto& step : steps_) step->split(pieces, first);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = json_string(j, "type", where);
  const std::string here = where + " (" + type + ")";
  if (type == "ByteLevel") return std::make_unique<ByteLevel>(j, here);
  if (type == "Split") return std::make_unique<Split>(j, here);
  if (type == "Metaspace") return std::make_unique<Metaspace>(j, here);
  if (type == "Digits")
    return std::make_unique<Digits>(json_bool_or(j, "individual_digits", false, here));
  if (type == "Punctuation") {
    return std::make_unique<Punctuation>(parse_behavior(j, here, Behavior::kIsolated));
  }
  if (type == "Whitespace") return std::make_unique<Whitespace>();
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplit>();
  if (type == "Sequence") {
    const Json& list = json_field(j, "pretokenizers", here);
    if (!list.is_array()) throw Error(here + ": \"pretokenizers\" must be an array");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto step =
              make_pre_tokenizer(list[i], where + ".pretokenizers[" + std::to_string(i) + "]")) {
        steps.push_back(std::move(step));
      }
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw Error(where + ": unsupported pre-tokenizer \"" + type + "\"");
}

}  // namespace longalign::text
