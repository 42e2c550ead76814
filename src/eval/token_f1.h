// Token-overlap F1 (SQuAD's), the score of LongBench's question-answering tasks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace longalign::eval {

// F1 of the multiset overlap: precision = common / |prediction|, recall = common / |reference|;
// 0 when nothing is shared.
double token_f1(const std::vector<std::string>& prediction,
                const std::vector<std::string>& reference);

// English: words of the normalised answers (normalize_answer).
double qa_f1(std::string_view prediction, std::string_view reference);

// Chinese: characters of the normalised answers (normalize_zh_answer). LongBench segments with
// jieba; characters need no dictionary and give the same score on one-word answers.
double qa_f1_zh(std::string_view prediction, std::string_view reference);

}  // namespace longalign::eval
