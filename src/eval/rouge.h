// ROUGE-L F-measure as the Python `rouge` package (pltrdy/rouge, the one LongBench imports)
// computes it, quirks included, so scores match published LongBench numbers.
#pragma once

#include <string_view>

namespace longalign::eval {

// Summary-level ROUGE-L over words. The package splits each text into sentences at every '.',
// collapses whitespace, and splits sentences at single spaces; then
//   llcs = |union over (reference sentence r, prediction sentence c) of the distinct words of
//           LCS(r, c)|
//   R = llcs / (distinct reference words),  P = llcs / (distinct prediction words)
//   F = 2 P R / (P + R + 1e-8)
// Distinct, not counted: the package keeps words in sets. 0 when either text has no sentence.
double rouge_l(std::string_view prediction, std::string_view reference);

// The same over characters (whitespace dropped): LongBench's Chinese ROUGE-L, with characters in
// place of jieba's words.
double rouge_l_zh(std::string_view prediction, std::string_view reference);

}  // namespace longalign::eval
