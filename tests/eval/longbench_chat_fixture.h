// A tiny LongBench-Chat for the tests: three questions (one Chinese) in the published file
// layout, a judge template of our own with the nine slots, and scripted servers' replies that
// depend only on what a request says, so any order of calls gives the same records.
#pragma once

#include <httplib.h>

#include <string>

#include "core/json.h"
#include "serve/scripted_server.h"
#include "test_support.h"

namespace longalign::testing {

// Each question's query carries a marker "(qN)", each example answer "shot-N-K", so a scripted
// server can tell which question and which example order a request is about.
inline Json longbench_chat_cases() {
  const std::string filler =
      "The old harbour city grew along the river, and its records fill many ledgers. ";
  std::string long_text;
  for (int i = 0; i < 12; ++i) long_text += filler;
  std::string chinese;
  for (int i = 0; i < 20; ++i) chinese += "这座古老的港口城市沿着河流发展。";
  return Json::array({{{"idx", 1},
                       {"query", "Which river runs through the city? (q1)"},
                       {"prompt", long_text + "Which river runs through the city? (q1)"},
                       {"answer", "The Elbe."}},
                      {{"idx", 2},
                       {"query", "Who kept the ledgers? (q2)"},
                       {"prompt", "Short note: the clerk kept them. Who kept the ledgers? (q2)"},
                       {"answer", "The harbour clerk."}},
                      {{"idx", 3},
                       {"query", "这座城市沿着什么发展？(q3)"},
                       {"prompt", chinese + "这座城市沿着什么发展？(q3)"},
                       {"answer", "沿着河流。"}}});
}

inline Json longbench_chat_few_shots() {
  Json all = Json::array();
  for (int q = 1; q <= 3; ++q) {
    Json shots = Json::array();
    const int scores[] = {9, 5, 2};
    for (int k = 0; k < 3; ++k) {
      shots.push_back({{"answer", "shot-" + std::to_string(q) + "-" + std::to_string(k)},
                       {"score", scores[k]}});
    }
    all.push_back(shots);
  }
  return all;
}

constexpr const char* kJudgeTemplate =
    "Rate the answer from 1 to 10 as \"[[rating]]\". Braces stay: {{like this}}.\n"
    "[Question]\n{}\n[Reference]\n{}\n"
    "[Example]\n{}\nRating: [[{}]]\n[Example]\n{}\nRating: [[{}]]\n[Example]\n{}\nRating: [[{}]]\n"
    "[Answer]\n{}\nRating: ";

// Writes the benchmark to `dir`/`name` and returns that folder.
inline fs::path write_longbench_chat(const TempDir& dir, const std::string& name = "data") {
  dir.write(name + "/test_cases.json", longbench_chat_cases().dump(2));
  dir.write(name + "/few_shots.json", longbench_chat_few_shots().dump(2));
  dir.write(name + "/prompt_fs.txt", kJudgeTemplate);
  return dir.path() / name;
}

// The question a request is about: N of the first "(qN)" in its body, 0 when none.
inline int question_of(const std::string& body) {
  const size_t at = body.find("(q");
  return at == std::string::npos ? 0 : body[at + 2] - '0';
}

// The examples' order in a judge request: K of "shot-N-K" in the order they appear.
inline std::vector<int> shown_order(const std::string& prompt) {
  std::vector<int> order;
  for (size_t at = prompt.find("shot-"); at != std::string::npos;
       at = prompt.find("shot-", at + 1)) {
    order.push_back(prompt[at + 7] - '0');
  }
  return order;
}

inline void reply_chat(httplib::Response& res, const std::string& text, int prompt_tokens,
                       int completion_tokens) {
  const Json body = testing::chat_completion_body(text, prompt_tokens, completion_tokens);
  res.set_content(body.dump(), "application/json");
}

// The answer server: "  answer to qN\n" (the padding is stripped), 50 prompt and 5 completion
// tokens.
inline void answer_reply(const httplib::Request& req, httplib::Response& res) {
  reply_chat(res, "  answer to q" + std::to_string(question_of(req.body)) + "\n", 50, 5);
}

// A judge whose rating follows from the request alone: 1 + (3 * question + first example shown)
// mod 10, after a decoy rating that the last-[[n]] rule must skip.
inline void stateless_judge_reply(const httplib::Request& req, httplib::Response& res) {
  const Json body = Json::parse(req.body);
  const std::string prompt = body["messages"][1]["content"];
  const int score = 1 + (3 * question_of(prompt) + shown_order(prompt).at(0)) % 10;
  reply_chat(res, "The examples had [[9]]. Verdict: [[" + std::to_string(score) + "]]", 100, 10);
}

}  // namespace longalign::testing
