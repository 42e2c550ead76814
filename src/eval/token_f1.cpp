#include "eval/token_f1.h"

#include <unordered_map>

#include "eval/normalize.h"

namespace longalign::eval {

double token_f1(const std::vector<std::string>& prediction,
                const std::vector<std::string>& reference) {
  std::unordered_map<std::string_view, int> available;
  for (const std::string& t : reference) ++available[t];
  size_t common = 0;
  for (const std::string& t : prediction) {
    const auto it = available.find(t);
    if (it != available.end() && it->second > 0) {
      --it->second;
      ++common;
    }
  }
  if (common == 0) return 0.0;
  const double precision = static_cast<double>(common) / static_cast<double>(prediction.size());
  const double recall = static_cast<double>(common) / static_cast<double>(reference.size());
  return 2.0 * precision * recall / (precision + recall);
}

double qa_f1(std::string_view prediction, std::string_view reference) {
  return token_f1(split_whitespace(normalize_answer(prediction)),
                  split_whitespace(normalize_answer(reference)));
}

double qa_f1_zh(std::string_view prediction, std::string_view reference) {
  return token_f1(split_characters(normalize_zh_answer(prediction)),
                  split_characters(normalize_zh_answer(reference)));
}

}  // namespace longalign::eval
