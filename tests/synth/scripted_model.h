// A stand-in for the model self-instruct talks to, on tests/serve/scripted_server.h: it tells a
// request for questions from a request for an answer, finds the document's label ("[doc-7]") in
// the prompt, and replies with a fixed list of questions about that label, or with an answer that
// repeats the question. Tests wrap it to add failures, delays and malformed lists.
#pragma once

#include <httplib.h>

#include <regex>
#include <string>
#include <vector>

#include "core/json.h"
#include "serve/scripted_server.h"

namespace longalign::testing {

inline Json completion(const std::string& text) {
  return chat_completion_body(text, 10, 3);
}

inline void reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

inline std::string user_content(const httplib::Request& req) {
  return Json::parse(req.body)["messages"][0]["content"].get<std::string>();
}

inline bool asks_for_answer(const std::string& content) {
  return content.find("\n\nQuestion: ") != std::string::npos ||
         content.find("\n\n问题：") != std::string::npos;
}

// "doc-7" for a prompt about the document labelled "[doc-7]".
inline std::string doc_label(const std::string& content) {
  std::smatch m;
  return std::regex_search(content, m, std::regex(R"(\[(doc-\d+)\])")) ? m[1].str() : "none";
}

// The five questions the scripted model asks about a document.
inline std::vector<std::string> questions_about(const std::string& label) {
  return {"What is " + label + " about?", "Who wrote " + label + "?",
          "When was " + label + " written?", "Why does " + label + " matter?",
          "How long is " + label + "?"};
}

// The questions as a model might write them: an introduction, a numbered list, a closing remark.
inline std::string question_list_reply(const std::vector<std::string>& questions) {
  std::string text = "Here are the questions:\n\n";
  for (size_t i = 0; i < questions.size(); ++i) {
    text += std::to_string(i + 1) + ": " + questions[i] + "\n";
  }
  return text + "\nEach can be answered from the document.";
}

inline std::string answer_to(const std::string& content) {
  const size_t en = content.rfind("\n\nQuestion: ");
  const size_t at = en != std::string::npos ? en + 12 : content.rfind("\n\n问题：") + 11;
  return "The answer to \"" + content.substr(at) + "\".";
}

// The well-behaved model: every list complete, every question answered.
inline void scripted_model(const httplib::Request& req, httplib::Response& res) {
  const std::string content = user_content(req);
  reply(res, 200,
        completion(asks_for_answer(content)
                       ? answer_to(content)
                       : question_list_reply(questions_about(doc_label(content)))));
}

}  // namespace longalign::testing
