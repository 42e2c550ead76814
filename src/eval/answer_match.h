// String-match scoring of short answers (needle tests, synthetic tasks): a reply is right when,
// after normalisation, it equals the expected answer or contains it.
#pragma once

#include <string>
#include <string_view>

namespace longalign::eval {

enum class MatchMode { kExact, kContains };

// "exact" or "contains"; UsageError otherwise.
MatchMode parse_match_mode(std::string_view name);
const char* match_mode_name(MatchMode mode);

// Lower-cased; punctuation and whitespace runs become one space; no space at either end.
std::string normalize_for_match(std::string_view text);

// exact: the normalised texts are equal. contains: the normalised answer occurs in the
// normalised reply, and not inside a longer ASCII word or number ("7" is not in "4821937"). An
// empty answer never matches.
bool answer_matches(std::string_view reply, std::string_view answer, MatchMode mode);

}  // namespace longalign::eval
