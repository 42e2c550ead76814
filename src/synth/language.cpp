#include "synth/language.h"

#include <cstddef>

#include "text/unicode.h"

namespace longalign::synth {

std::string_view language_name(Language language) {
  return language == Language::kChinese ? "zh" : "en";
}

double cjk_share(std::string_view text) {
  size_t cjk = 0, letters = 0;
  for (size_t i = 0; i < text.size();) {
    const char32_t cp = text::next_code_point(text, i);
    if (text::is_cjk_ideograph(cp)) {
      ++cjk;
      ++letters;
    } else if (text::is_alphanumeric(cp)) {
      ++letters;
    }
  }
  return letters == 0 ? 0.0 : static_cast<double>(cjk) / static_cast<double>(letters);
}

Language detect_language(std::string_view text) {
  return cjk_share(text) >= kChineseShare ? Language::kChinese : Language::kEnglish;
}

}  // namespace longalign::synth
