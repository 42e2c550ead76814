// LongBench's classification score (TREC, LSHT): which of the task's class labels the prediction
// mentions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace longalign::eval {

// The labels of `classes` found in the prediction (as substrings) are the candidates; a candidate
// that is a substring of the right label, but not the label itself, is dropped. The score is
// 1 / (number of candidates) when the right label is among them, else 0.
double classification_score(std::string_view prediction, std::string_view reference,
                            const std::vector<std::string>& classes);

}  // namespace longalign::eval
