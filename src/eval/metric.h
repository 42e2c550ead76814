// The automatic metrics of LongBench by name, and the score of one prediction under one of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace longalign::eval {

enum class Metric {
  kQaF1,            // token F1 of normalised English answers
  kQaF1Zh,          // character F1 of normalised Chinese answers
  kRougeL,          // ROUGE-L F over words
  kRougeLZh,        // ROUGE-L F over characters
  kExact,           // normalised English answers equal
  kClassification,  // the right class label among those mentioned
  kRetrieval,       // the right paragraph number among those mentioned
  kCount,           // the right count among the numbers mentioned
  kCodeSim,         // edit similarity of the first code line
};

// "qa_f1", "qa_f1_zh", "rouge_l", "rouge_l_zh", "exact", "classification", "retrieval",
// "count", "code_sim". Throws UsageError listing them for any other name.
Metric metric_from_name(std::string_view name);
std::string_view metric_name(Metric metric);
const std::vector<std::string>& metric_names();

// One prediction against one reference answer, in [0, 1]. `classes` (the task's labels) is read
// by kClassification only. Invalid UTF-8 is read as U+FFFD.
double score_answer(Metric metric, std::string_view prediction, std::string_view reference,
                    const std::vector<std::string>& classes);

// The best score over the reference answers, as LongBench scores a sample; 0 with none.
double score_prediction(Metric metric, std::string_view prediction,
                        const std::vector<std::string>& references,
                        const std::vector<std::string>& classes);

}  // namespace longalign::eval
