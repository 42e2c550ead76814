// A compiled PCRE2 pattern (UTF, Unicode properties, JIT) as the tokenizer's pre-tokenizers
// and normalizers need it: find every non-overlapping match in a string.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace longalign::text {

class Regex {
 public:
  // Compiles `pattern` (Oniguruma/Hugging Face syntax, which PCRE2 accepts); `where` names the
  // component for error messages.
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Calls on_match(begin, end) for each match, left to right; an empty match advances by one
  // code point. Thread-safe.
  void for_each_match(std::string_view subject,
                      const std::function<void(size_t begin, size_t end)>& on_match) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace longalign::text
