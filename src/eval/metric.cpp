#include "eval/metric.h"

#include <algorithm>
#include <array>
#include <utility>

#include "core/error.h"
#include "eval/classification.h"
#include "eval/code_sim.h"
#include "eval/normalize.h"
#include "eval/number_match.h"
#include "eval/rouge.h"
#include "eval/token_f1.h"
#include "text/unicode.h"

namespace longalign::eval {

namespace {

constexpr std::array<std::pair<Metric, std::string_view>, 9> kNames = {{
    {Metric::kQaF1, "qa_f1"},
    {Metric::kQaF1Zh, "qa_f1_zh"},
    {Metric::kRougeL, "rouge_l"},
    {Metric::kRougeLZh, "rouge_l_zh"},
    {Metric::kExact, "exact"},
    {Metric::kClassification, "classification"},
    {Metric::kRetrieval, "retrieval"},
    {Metric::kCount, "count"},
    {Metric::kCodeSim, "code_sim"},
}};

}  // namespace

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [metric, name] : kNames) v.emplace_back(name);
    return v;
  }();
  return names;
}

Metric metric_from_name(std::string_view name) {
  for (const auto& [metric, n] : kNames) {
    if (n == name) return metric;
  }
  std::string known;
  for (const std::string& n : metric_names()) known.append(known.empty() ? "" : ", ").append(n);
  throw UsageError("unknown metric \"" + std::string(name) + "\" (known: " + known + ")");
}

std::string_view metric_name(Metric metric) {
  return std::find_if(kNames.begin(), kNames.end(),
                      [&](const auto& e) { return e.first == metric; })
      ->second;
}

double score_answer(Metric metric, std::string_view prediction_text,
                    std::string_view reference_text, const std::vector<std::string>& classes) {
  // The metrics walk code points; well-formed text is the precondition of that walk.
  const std::string prediction = text::to_valid_utf8(prediction_text);
  const std::string reference = text::to_valid_utf8(reference_text);
  switch (metric) {
    case Metric::kQaF1:
      return qa_f1(prediction, reference);
    case Metric::kQaF1Zh:
      return qa_f1_zh(prediction, reference);
    case Metric::kRougeL:
      return rouge_l(prediction, reference);
    case Metric::kRougeLZh:
      return rouge_l_zh(prediction, reference);
    case Metric::kExact:
      return normalize_answer(prediction) == normalize_answer(reference) ? 1.0 : 0.0;
    case Metric::kClassification:
      return classification_score(prediction, reference, classes);
    case Metric::kRetrieval:
      return retrieval_score(prediction, reference);
    case Metric::kCount:
      return count_score(prediction, reference);
    case Metric::kCodeSim:
      return code_sim_score(prediction, reference);
  }
  return 0.0;
}

double score_prediction(Metric metric, std::string_view prediction,
                        const std::vector<std::string>& references,
                        const std::vector<std::string>& classes) {
  double best = 0.0;
  for (const std::string& r : references) {
    best = std::max(best, score_answer(metric, prediction, r, classes));
  }
  return best;
}

}  // namespace longalign::eval
