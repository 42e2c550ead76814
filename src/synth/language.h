// The language a document's prompts are written in: Chinese when enough of its letters are Chinese
// characters, English otherwise (LongAlign asked in Chinese about Chinese documents).
#pragma once

#include <string_view>

namespace longalign::synth {

enum class Language { kEnglish, kChinese };

// "en" or "zh", as records and reports name them.
std::string_view language_name(Language language);

// Chinese characters (CJK unified ideographs, their extensions and compatibility forms) over all
// letters and digits, Chinese characters included; 0 for a text with neither. Counting against
// letters rather than bytes or words keeps spaces, punctuation and markup out of the share.
double cjk_share(std::string_view text);

// A document whose cjk_share reaches this is Chinese. A Chinese character carries about as much
// as an English word of five letters, so a Chinese text quoting English at length still lands
// well above it, and an English text quoting a few Chinese names well below.
inline constexpr double kChineseShare = 0.25;

Language detect_language(std::string_view text);

}  // namespace longalign::synth
