// LongBench's counting and retrieval scores: of the numbers written in the prediction, the
// fraction that are the right one.
#pragma once

#include <string_view>

namespace longalign::eval {

// PassageCount: the right number is the reference itself (compared as text: "07" is not "7").
// 0 when the prediction holds no number. Numbers are runs of ASCII digits.
double count_score(std::string_view prediction, std::string_view reference);

// PassageRetrieval: the right number is N of the first "Paragraph N" (English) or "段落N"
// (Chinese) in the reference. Throws Error when the reference has neither.
double retrieval_score(std::string_view prediction, std::string_view reference);

}  // namespace longalign::eval
