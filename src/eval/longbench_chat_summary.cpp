#include "eval/longbench_chat_summary.h"

#include <cstdio>

#include "eval/cjk.h"

namespace longalign::eval {
namespace {

struct Accumulator {
  int64_t count = 0;
  double sum = 0;
  void add(double v) {
    ++count;
    sum += v;
  }
  ScoreGroup group() const {
    ScoreGroup g;
    g.count = count;
    if (count > 0) g.mean = sum / static_cast<double>(count);
    return g;
  }
};

Json group_json(const ScoreGroup& g) {
  return {{"count", g.count}, {"mean", g.mean ? Json(*g.mean) : Json(nullptr)}};
}

std::string mean_text(const ScoreGroup& g) {
  if (!g.mean) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", *g.mean);
  return buf;
}

}  // namespace

LongBenchChatSummary summarize_longbench_chat(const std::vector<ChatCase>& cases,
                                              const std::map<int64_t, ChatPrediction>& predictions,
                                              const std::map<JudgmentKey, ChatJudgment>& judgments,
                                              int judge_runs) {
  LongBenchChatSummary s;
  s.questions = static_cast<int64_t>(cases.size());
  s.judge_runs = judge_runs;
  Accumulator overall;
  std::map<std::string, Accumulator> languages{{"en", {}}, {"zh", {}}};
  for (const ChatCase& c : cases) {
    if (const auto p = predictions.find(c.idx); p != predictions.end()) {
      ++s.answered;
      s.answer_tokens.prompt += p->second.prompt_tokens;
      s.answer_tokens.completion += p->second.completion_tokens;
    }
    Accumulator runs;
    for (int run = 0; run < judge_runs; ++run) {
      const auto j = judgments.find({c.idx, run});
      if (j == judgments.end()) {
        ++s.missing_judgments;
        continue;
      }
      ++s.judgments;
      s.judge_tokens.prompt += j->second.prompt_tokens;
      s.judge_tokens.completion += j->second.completion_tokens;
      if (j->second.score) {
        runs.add(*j->second.score);
      } else {
        ++s.judge_failures;
      }
    }
    if (runs.count == 0) continue;
    const double score = runs.sum / static_cast<double>(runs.count);
    s.question_scores[c.idx] = score;
    overall.add(score);
    languages[has_cjk(c.query) ? "zh" : "en"].add(score);
  }
  s.overall = overall.group();
  for (const auto& [name, acc] : languages) s.by_language[name] = acc.group();
  return s;
}

Json summary_json(const LongBenchChatSummary& s) {
  Json languages = Json::object();
  for (const auto& [name, g] : s.by_language) languages[name] = group_json(g);
  Json scores = Json::object();
  for (const auto& [idx, score] : s.question_scores) scores[std::to_string(idx)] = score;
  return {{"score", s.overall.mean ? Json(*s.overall.mean) : Json(nullptr)},
          {"scored", s.overall.count},
          {"questions", s.questions},
          {"answered", s.answered},
          {"judge_runs", s.judge_runs},
          {"judgments", s.judgments},
          {"judge_failures", s.judge_failures},
          {"missing_judgments", s.missing_judgments},
          {"complete", s.complete()},
          {"by_language", languages},
          {"question_scores", scores},
          {"tokens",
           {{"answering",
             {{"prompt", s.answer_tokens.prompt}, {"completion", s.answer_tokens.completion}}},
            {"judging",
             {{"prompt", s.judge_tokens.prompt}, {"completion", s.judge_tokens.completion}}}}}};
}

std::string summary_text(const LongBenchChatSummary& s) {
  std::string out;
  const auto line = [&out](const std::string& key, const std::string& value) {
    out += key + std::string(key.size() < 18 ? 18 - key.size() : 1, ' ') + value + "\n";
  };
  line("score", mean_text(s.overall) + " (1-10, mean over " + std::to_string(s.overall.count) +
                    " questions)");
  for (const auto& [name, g] : s.by_language) {
    line("score " + name, mean_text(g) + " (" + std::to_string(g.count) + " questions)");
  }
  line("questions", std::to_string(s.questions) + ", answered " + std::to_string(s.answered));
  line("judgments", std::to_string(s.judgments) + " of " +
                        std::to_string(s.questions * s.judge_runs) + " (" +
                        std::to_string(s.judge_runs) + " runs a question)");
  line("judge failures", std::to_string(s.judge_failures) + " (no rating; left out)");
  line("missing", std::to_string(s.missing_judgments) + " judgments (rerun to finish)");
  line("answer tokens", std::to_string(s.answer_tokens.prompt) + " prompt, " +
                            std::to_string(s.answer_tokens.completion) + " completion");
  line("judge tokens", std::to_string(s.judge_tokens.prompt) + " prompt, " +
                           std::to_string(s.judge_tokens.completion) + " completion");
  return out;
}

}  // namespace longalign::eval
