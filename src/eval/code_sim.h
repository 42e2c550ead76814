// LongBench's code completion score (LCC, RepoBench-P): how close the first line of code in the
// prediction is to the reference line.
#pragma once

#include <string_view>

namespace longalign::eval {

// fuzzywuzzy's fuzz.ratio (with python-Levenshtein): round(100 * 2 * LCS / (|a| + |b|)) over
// code points, i.e. the Levenshtein ratio with substitutions costing 2; rounding half to even as
// Python's round() does. 100 for two equal strings, 0 when exactly one is empty.
int fuzz_ratio(std::string_view a, std::string_view b);

// The prediction's first line (leading newlines skipped) holding none of '`', '#', "//" (so
// fences and comments are passed over), scored with fuzz_ratio / 100; 0 when there is none.
double code_sim_score(std::string_view prediction, std::string_view reference);

}  // namespace longalign::eval
