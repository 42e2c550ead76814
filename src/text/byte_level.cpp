#include <array>

#include "text/components.h"
#include "text/unicode.h"

namespace longalign::text {

namespace {

// GPT-2's table: bytes that are printable Latin-1 stand for themselves; the others take the
// code points from U+0100 upward in byte order.
struct ByteTable {
  std::array<std::string, 256> utf8;
  std::array<int, 512> byte_of;  // code point (< 512) -> byte, or -1
  ByteTable() {
    byte_of.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const char32_t cp = printable ? static_cast<char32_t>(b) : next++;
      append_utf8(utf8[b], cp);
      byte_of[cp] = b;
    }
  }
};

const ByteTable& table() {
  static const ByteTable t;
  return t;
}

}  // namespace

const std::string& byte_level_char(unsigned char byte) {
  return table().utf8[byte];
}

std::optional<unsigned char> byte_level_byte(char32_t cp) {
  if (cp >= 512 || table().byte_of[cp] < 0) return std::nullopt;
  return static_cast<unsigned char>(table().byte_of[cp]);
}

}  // namespace longalign::text
