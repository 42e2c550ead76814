#include "eval/answer_source.h"

namespace longalign::eval {

std::string strip_answer(const std::string& text) {
  const char* const space = " \t\n\r\f\v";
  const size_t first = text.find_first_not_of(space);
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

}  // namespace longalign::eval
