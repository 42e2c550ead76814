// Reads the judge's rating out of its reply. The judge is asked to end with "[[rating]]"; it may
// reason first and quote other ratings on the way, so the last [[...]] is the verdict.
#pragma once

#include <optional>
#include <string_view>

namespace longalign::eval {

// The last [[...]] in `reply` (no ']' inside the brackets), read as the first number in it:
// "[[7]]", "[[7.5]]" and "[[7/10]]" are all accepted. nullopt when there is no such bracket,
// no number in it, or the number lies outside 1..10; the caller then asks the judge again.
std::optional<double> parse_judge_score(std::string_view reply);

}  // namespace longalign::eval
