// UTF-8 and Unicode property helpers used by the tokenizer's components.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace longalign::text {

// Byte length of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Decodes the code point at s[i] (which must start a valid sequence) and advances i.
char32_t next_code_point(std::string_view s, size_t& i);

void append_utf8(std::string& out, char32_t cp);

// Offset of the first byte that is not part of well-formed UTF-8, or nullopt.
std::optional<size_t> find_invalid_utf8(std::string_view s);

// Replaces each maximal ill-formed subsequence with U+FFFD, as the WHATWG decoder (and Rust's
// from_utf8_lossy) does.
std::string to_valid_utf8(std::string_view s);

// Unicode properties as Rust's char methods define them (the Hugging Face reference is Rust).
bool is_whitespace(char32_t cp);    // White_Space
bool is_alphanumeric(char32_t cp);  // Alphabetic or Numeric
// A CJK unified or compatibility ideograph, every extension included (not kana or hangul): what
// tells a Chinese text from an English one.
bool is_cjk_ideograph(char32_t cp);
bool is_numeric(char32_t cp);      // general category Nd, Nl or No
bool is_punctuation(char32_t cp);  // ASCII punctuation or general category P*

enum class NormalForm { kNFC, kNFD, kNFKC, kNFKD };
std::string normalize(std::string_view s, NormalForm form);

// Full lower-case mapping (one code point may become several, as U+0130 does).
std::string to_lower(std::string_view s);

}  // namespace longalign::text
