// The {"String": ...} or {"Regex": ...} pattern that Split, Replace and friends carry.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/json.h"
#include "text/regex.h"

namespace longalign::text {

class Pattern {
 public:
  Pattern(const Json& j, const std::string& where);

  // Calls on_match(begin, end) for each non-overlapping match, left to right.
  void for_each_match(std::string_view s,
                      const std::function<void(size_t, size_t)>& on_match) const;

  // Replaces every match with `content`.
  std::string replace_all(std::string_view s, std::string_view content) const;

 private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
};

}  // namespace longalign::text
