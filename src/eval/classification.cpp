#include "eval/classification.h"

#include <algorithm>

namespace longalign::eval {

double classification_score(std::string_view prediction, std::string_view reference,
                            const std::vector<std::string>& classes) {
  std::vector<std::string_view> matches;
  for (const std::string& c : classes) {
    if (prediction.find(c) != std::string_view::npos) matches.push_back(c);
  }
  // LongBench removes from the list while iterating over it, so the element after each removed
  // one escapes the check; the same walk here keeps its scores.
  for (size_t i = 0; i < matches.size(); ++i) {
    const std::string_view m = matches[i];
    if (m != reference && reference.find(m) != std::string_view::npos) {
      matches.erase(std::find(matches.begin(), matches.end(), m));
    }
  }
  const bool right = std::find(matches.begin(), matches.end(), reference) != matches.end();
  return right ? 1.0 / static_cast<double>(matches.size()) : 0.0;
}

}  // namespace longalign::eval
