// Shared by the needle and task tests: a haystack of numbered sentences, chat completion bodies
// for scripted servers, and a scripted model that finds the needle only early in a document.
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include "core/json.h"
#include "eval/needle_case.h"
#include "serve/scripted_server.h"

namespace longalign::testing {

// About 700 llama2 tokens of prose, each sentence numbered so a test can tell them apart.
inline std::string needle_prose() {
  std::string text;
  for (int i = 1; i <= 40; ++i) {
    text += "Sentence " + std::to_string(i) +
            " tells of the harbour, the boats and the weather over the grey water. ";
  }
  return text;
}

inline Json chat_completion(const std::string& text) {
  return testing::chat_completion_body(text, 7, 3);
}

inline std::string request_prompt(const httplib::Request& req) {
  return Json::parse(req.body)["messages"].back()["content"].get<std::string>();
}

// A scripted model that "reads" only the first 60% of the document: it gives the default
// needle's answer when the needle lies there, and a wrong answer otherwise. The reply depends
// only on the prompt, so the calls may come in any order.
inline void early_needle_model(int, const httplib::Request& req, httplib::Response& res) {
  const std::string prompt = request_prompt(req);
  const size_t start = prompt.find("<document>\n"), end = prompt.find("\n</document>");
  const size_t at = prompt.find(eval::default_needle_text().needle);
  const bool found = start != std::string::npos && end != std::string::npos &&
                     at != std::string::npos && double(at - start) < 0.6 * double(end - start);
  res.set_content(chat_completion(found ? "Smoked paprika." : "It is not in the document.").dump(),
                  "application/json");
}

inline std::vector<std::string> file_lines(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    const size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace longalign::testing
