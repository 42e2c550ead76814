#include "text/pattern.h"

#include "core/error.h"

namespace longalign::text {

Pattern::Pattern(const Json& j, const std::string& where) {
  if (j.is_object() && j.contains("String") && j["String"].is_string()) {
    literal_ = j["String"].get<std::string>();
  } else if (j.is_object() && j.contains("Regex") && j["Regex"].is_string()) {
    regex_ = std::make_unique<Regex>(j["Regex"].get<std::string>(), where);
  } else {
    throw Error(where + ": pattern must be {\"String\": ...} or {\"Regex\": ...}");
  }
}

void Pattern::for_each_match(std::string_view s,
                             const std::function<void(size_t, size_t)>& on_match) const {
  if (regex_) {
    regex_->for_each_match(s, on_match);
    return;
  }
  if (literal_.empty()) return;
  for (size_t at = s.find(literal_); at != std::string_view::npos;
       at = s.find(literal_, at + literal_.size())) {
    on_match(at, at + literal_.size());
  }
}

std::string Pattern::replace_all(std::string_view s, std::string_view content) const {
  std::string out;
  out.reserve(s.size());
  size_t copied = 0;
  for_each_match(s, [&](size_t begin, size_t end) {
    out.append(s.substr(copied, begin - copied));
    out.append(content);
    copied = end;
  });
  out.append(s.substr(copied));
  return out;
}

}  // namespace longalign::text
