#include "eval/rouge.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "eval/normalize.h"

namespace longalign::eval {

namespace {

using Sentence = std::vector<int>;  // word ids

// Words become small integers so the LCS tables compare ints, not strings.
class WordIds {
 public:
  int id(const std::string& w) {
    return ids_.try_emplace(w, static_cast<int>(ids_.size())).first->second;
  }

 private:
  std::unordered_map<std::string, int> ids_;
};

// The package's preprocessing: pieces between '.', empty ones dropped, whitespace collapsed,
// then split at single spaces. A piece of only whitespace thus becomes one empty word.
std::vector<Sentence> sentences(std::string_view text, WordIds& ids) {
  std::vector<Sentence> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t dot = std::min(text.find('.', start), text.size());
    const std::string_view piece = text.substr(start, dot - start);
    start = dot + 1;
    if (piece.empty()) continue;
    const std::vector<std::string> words = split_whitespace(piece);
    Sentence s;
    if (words.empty()) s.push_back(ids.id(""));
    for (const std::string& w : words) s.push_back(ids.id(w));
    out.push_back(std::move(s));
  }
  return out;
}

size_t distinct_words(const std::vector<Sentence>& sentences) {
  std::unordered_set<int> seen;
  for (const Sentence& s : sentences) seen.insert(s.begin(), s.end());
  return seen.size();
}

// Adds the words of one longest common subsequence of x and y to `words`, walking the table back
// with the package's tie-break (up when strictly better, else left): with sets, which LCS is
// taken changes the score.
void add_lcs_words(const Sentence& x, const Sentence& y, std::unordered_set<int>& words) {
  const size_t n = x.size(), m = y.size();
  std::vector<uint32_t> table((n + 1) * (m + 1), 0);
  const auto at = [&](size_t i, size_t j) -> uint32_t& { return table[i * (m + 1) + j]; };
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      at(i, j) = x[i - 1] == y[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  for (size_t i = n, j = m; i > 0 && j > 0;) {
    if (x[i - 1] == y[j - 1]) {
      words.insert(x[i - 1]);
      --i;
      --j;
    } else if (at(i - 1, j) > at(i, j - 1)) {
      --i;
    } else {
      --j;
    }
  }
}

std::string spaced_characters(std::string_view s) {
  std::string out;
  for (const std::string& c : split_characters(s)) out.append(out.empty() ? "" : " ").append(c);
  return out;
}

}  // namespace

double rouge_l(std::string_view prediction, std::string_view reference) {
  WordIds ids;
  const std::vector<Sentence> hyp = sentences(prediction, ids);
  const std::vector<Sentence> ref = sentences(reference, ids);
  if (hyp.empty() || ref.empty()) return 0.0;
  std::unordered_set<int> lcs_union;
  for (const Sentence& r : ref) {
    for (const Sentence& h : hyp) add_lcs_words(r, h, lcs_union);
  }
  const double llcs = static_cast<double>(lcs_union.size());
  const double recall = llcs / static_cast<double>(distinct_words(ref));
  const double precision = llcs / static_cast<double>(distinct_words(hyp));
  return 2.0 * precision * recall / (precision + recall + 1e-8);
}

double rouge_l_zh(std::string_view prediction, std::string_view reference) {
  return rouge_l(spaced_characters(prediction), spaced_characters(reference));
}

}  // namespace longalign::eval
