// libFuzzer target for the self-instruct question-list parser (synth/question_list.h): the
// questions read out of a model's free-text reply.
//
// The first byte picks the mode:
//   0x00-0x7F  raw: the rest is the reply. Every item must be non-empty, trimmed, on one line and
//              not a repeat, and there cannot be more items than non-blank lines.
//   0x80-0xFF  structured: a reply written from known questions, in one of the list styles the
//              header documents (numbers with each delimiter, bracketed numbers, Q/Question/问题
//              prefixes, bullets; indentation, bold, CRLF), with an introduction and a closing
//              remark set off by blank lines, blank lines between items, and questions wrapped over
//              two lines mid-sentence. The parser must give back exactly those questions.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "synth/question_list.h"

namespace {

using longalign::fuzz::finding;

void check_items(const std::vector<std::string>& items, std::string_view reply) {
  std::set<std::string> seen;
  for (const std::string& item : items) {
    if (item.empty()) finding("an empty item");
    if (item.find('\n') != std::string::npos) finding("an item over several lines");
    if (item.front() == ' ' || item.back() == ' ') finding("an untrimmed item");
    if (!seen.insert(item).second) finding("a repeated item");
  }
  size_t lines = 0;
  for (size_t at = 0; at < reply.size();) {
    const size_t end = std::min(reply.find('\n', at), reply.size());
    if (reply.substr(at, end - at).find_first_not_of(" \t\r") != std::string_view::npos) ++lines;
    at = end + 1;
  }
  if (items.size() > lines) finding("more items than lines");
}

std::string marker(int style, int number) {
  const std::string n = std::to_string(number);
  switch (style) {
    case 0:
      return n + ". ";
    case 1:
      return n + ": ";
    case 2:
      return n + ") ";
    case 3:
      return n + "、";
    case 4:
      return "(" + n + ") ";
    case 5:
      return "（" + n + "）";
    case 6:
      return "Q" + n + ": ";
    case 7:
      return "Question " + n + ": ";
    case 8:
      return "问题" + n + "：";
    case 9:
      return "**" + n + ".** ";
    case 10:
      return "- ";
    default:
      return "* ";
  }
}

// Words without digits, markers or sentence ends, so a question is only what it is made to be.
std::string words(FuzzedDataProvider& in, int count) {
  static const char* const kWords[] = {"what", "does", "the", "report", "say", "about", "growth",
                                       "why",  "did",  "it",  "change", "how", "many",  "people"};
  std::string s;
  for (int i = 0; i < count; ++i) {
    if (i) s += ' ';
    s += kWords[in.ConsumeIntegralInRange<size_t>(0, std::size(kWords) - 1)];
  }
  return s;
}

void structured(FuzzedDataProvider& in) {
  const int style = in.ConsumeIntegralInRange(0, 11);
  const std::string eol = in.ConsumeBool() ? "\r\n" : "\n";
  const std::string indent = in.ConsumeBool() ? "  " : "";
  std::string reply;
  if (in.ConsumeBool()) reply += "Here are the questions about the document:" + eol + eol;
  std::vector<std::string> expected;
  const int count = in.ConsumeIntegralInRange(1, 8);
  for (int i = 1; i <= count; ++i) {
    const std::string head = "item " + std::string(1, char('a' + i)) + " " + words(in, 3);
    const std::string tail = words(in, in.ConsumeIntegralInRange(0, 3));
    const bool wrapped = !tail.empty() && in.ConsumeBool();
    const std::string question = head + (tail.empty() ? "" : " " + tail) + "?";
    expected.push_back(question);
    reply += indent + marker(style, i);
    reply += wrapped ? head + eol + indent + "   " + tail + "?" + eol : question + eol;
    if (in.ConsumeBool()) reply += eol;
  }
  if (in.ConsumeBool()) reply += eol + "I hope these questions help." + eol;
  const std::vector<std::string> items = longalign::synth::parse_question_list(reply);
  check_items(items, reply);
  if (items != expected) finding("the parsed questions differ from the ones written");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] < 0x80) {
    const std::string_view reply(reinterpret_cast<const char*>(data) + 1, size - 1);
    check_items(longalign::synth::parse_question_list(reply), reply);
  } else {
    FuzzedDataProvider in(data + 1, size - 1);
    structured(in);
  }
  return 0;
}
