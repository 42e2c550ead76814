#include "eval/cjk.h"

#include "text/unicode.h"

namespace longalign::eval {

bool has_cjk(std::string_view text) {
  const std::string valid = text::to_valid_utf8(text);
  for (size_t i = 0; i < valid.size();) {
    if (text::is_cjk_ideograph(text::next_code_point(valid, i))) return true;
  }
  return false;
}

}  // namespace longalign::eval
