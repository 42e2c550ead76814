#include "eval/prompt_truncation.h"

#include <cstdint>
#include <vector>

#include "eval/cjk.h"
#include "infer/chat_model.h"
#include "text/unicode.h"

namespace longalign::eval {
namespace {

// The estimate in quarter tokens, so that it stays an integer.
constexpr size_t kQuartersPerCjk = 4;
constexpr size_t kQuartersPerOther = 1;

struct CodePoint {
  size_t offset, length, cost;
};

std::vector<CodePoint> code_points(const std::string& text) {
  std::vector<CodePoint> out;
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const char32_t cp = text::next_code_point(text, i);
    out.push_back(
        {start, i - start, text::is_cjk_ideograph(cp) ? kQuartersPerCjk : kQuartersPerOther});
  }
  return out;
}

}  // namespace

TruncatedPrompt truncate_to_tokens(const std::string& prompt, const text::Tokenizer& tokenizer,
                                   size_t max_length) {
  const std::vector<text::TokenId> ids =
      tokenizer.encode(prompt, {.split_special = true, .replace_invalid_utf8 = true});
  if (ids.size() <= max_length) return {prompt, false};
  const std::vector<int32_t> kept =
      infer::middle_truncate(std::vector<int32_t>(ids.begin(), ids.end()), max_length);
  const std::vector<text::TokenId> kept_ids(kept.begin(), kept.end());
  return {tokenizer.decode(kept_ids), true};
}

TruncatedPrompt truncate_to_estimated_tokens(const std::string& prompt, size_t max_length) {
  const std::string valid = text::to_valid_utf8(prompt);
  const std::vector<CodePoint> cps = code_points(valid);
  size_t total = 0;
  for (const CodePoint& c : cps) total += c.cost;
  const size_t budget = max_length * 4;
  if (total <= budget) return {prompt, false};
  const size_t head_budget = budget / 2, tail_budget = budget - head_budget;
  size_t head = 0, cost = 0;  // code points kept from the front
  while (head < cps.size() && cost + cps[head].cost <= head_budget) cost += cps[head++].cost;
  size_t tail = cps.size();  // the first code point kept from the back
  cost = 0;
  while (tail > head && cost + cps[tail - 1].cost <= tail_budget) cost += cps[--tail].cost;
  const size_t head_end = head == 0 ? 0 : cps[head - 1].offset + cps[head - 1].length;
  return {
      valid.substr(0, head_end) + valid.substr(tail < cps.size() ? cps[tail].offset : valid.size()),
      true};
}

}  // namespace longalign::eval
