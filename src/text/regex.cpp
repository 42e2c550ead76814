#include "text/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/error.h"
#include "text/unicode.h"

namespace longalign::text {

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

// Per-thread JIT stack and match data: long runs such as a megabyte of letters need more stack
// than PCRE2's 32 KiB default, and match data is reused across calls.
struct ThreadState {
  pcre2_jit_stack* stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_match_data* data = pcre2_match_data_create(4, nullptr);
  ThreadState() { pcre2_jit_stack_assign(context, nullptr, stack); }
  ~ThreadState() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
  }
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

// Hugging Face compiles its patterns with Oniguruma, whose \s and \w differ from PCRE2's:
// - \s is White_Space. PCRE2's \s also matches U+180E MONGOLIAN VOWEL SEPARATOR, which Unicode
//   took out of White_Space in 6.3 (tiktoken's Rust regex follows White_Space too).
// - \w is Letter, Mark, Number or Connector_Punctuation. PCRE2's leaves out marks (so "e" and a
//   combining acute would part) and connectors other than "_".
// So both are spelled out before compiling: as a class outside brackets, inlined inside them.
// A negated \S or \W inside brackets cannot be inlined and is left to PCRE2.
constexpr std::string_view kWhiteSpace =
    R"(\t\n\x{0B}\f\r\x{20}\x{85}\x{A0}\x{1680})"
    R"(\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
constexpr std::string_view kWord = R"(\p{L}\p{M}\p{N}\p{Pc})";

std::string_view class_body(char escape) {
  switch (escape) {
    case 's':
    case 'S':
      return kWhiteSpace;
    case 'w':
    case 'W':
      return kWord;
    default:
      return {};
  }
}

std::string with_oniguruma_classes(std::string_view pattern) {
  std::string out;
  bool in_class = false, quoted = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (quoted) {  // \Q...\E is literal text
      if (c == '\\' && next == 'E') quoted = false;
    } else if (c == '\\' && next != '\0') {
      ++i;
      const std::string_view body = class_body(next);
      const bool negated = next == 'S' || next == 'W';
      if (!body.empty() && !in_class) {
        out.append(negated ? "[^" : "[").append(body).append("]");
        continue;
      }
      if (!body.empty() && !negated) {
        out.append(body);
        continue;
      }
      if (next == 'Q') quoted = true;
      out += c;
      out += next;
      continue;
    } else if (!in_class && c == '[') {
      in_class = true;
      out += c;
      if (next == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];  // a literal ]
      continue;
    } else if (in_class && c == '[' && next == ':') {  // [:alpha:] and the like
      const size_t end = pattern.find(":]", i + 2);
      if (end != std::string_view::npos) {
        out.append(pattern.substr(i, end + 2 - i));
        i = end + 1;
        continue;
      }
    } else if (in_class && c == ']') {
      in_class = false;
    }
    out += c;
  }
  return out;
}

}  // namespace

struct Regex::Impl {
  pcre2_code* code = nullptr;
  std::string where;
};

Regex::Regex(const std::string& pattern, const std::string& where) : impl_(new Impl) {
  impl_->where = where;
  int error = 0;
  PCRE2_SIZE offset = 0;
  const std::string compiled = with_oniguruma_classes(pattern);
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | PCRE2_NEVER_BACKSLASH_C,
                              &error, &offset, nullptr);
  if (!impl_->code) {
    throw Error(where + ": cannot compile regex /" + pattern + "/ at offset " +
                std::to_string(offset) + ": " + pcre2_message(error));
  }
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);
}

Regex::~Regex() {
  if (impl_) pcre2_code_free(impl_->code);
}

void Regex::for_each_match(std::string_view subject,
                           const std::function<void(size_t, size_t)>& on_match) const {
  ThreadState& state = thread_state();
  const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
  size_t start = 0;
  while (start <= subject.size()) {
    const int rc = pcre2_match(impl_->code, text, subject.size(), start, PCRE2_NO_UTF_CHECK,
                               state.data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH) return;
    if (rc < 0) throw Error(impl_->where + ": regex match failed: " + pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    const size_t begin = ovector[0], end = ovector[1];
    on_match(begin, end);
    if (end > begin) {
      start = end;
    } else if (end < subject.size()) {
      start = end + utf8_length(static_cast<unsigned char>(subject[end]));
    } else {
      return;
    }
  }
}

}  // namespace longalign::text
