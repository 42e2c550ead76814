// libFuzzer target for the judge score parser (eval/judge_score.h): the rating read out of an LLM
// judge's free-text reply.
//
// The first byte picks the mode:
//   0x00-0x7F  raw: the rest is the reply.
//   0x80-0xFF  structured: a reply assembled from the pieces judges write: reasoning text, quoted
//              ratings, "[[x]]" with integers, decimals, fractions, out-of-range and huge numbers,
//              unbalanced and nested brackets, and runs of "[" or "]".
// The score must be nullopt or a number in 1..10, and must equal what an independent reading of
// the documented rule gives (std::regex: the last non-overlapping match of \[\[([^\]]+)\]\], its
// first number [0-9]+(\.[0-9]+)?), compared on replies short enough for std::regex.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>
#include <optional>
#include <regex>
#include <string>

#include "eval/judge_score.h"
#include "fuzz_support.h"

namespace {

using longalign::fuzz::finding;

std::optional<double> reference_score(const std::string& reply) {
  static const std::regex bracket(R"(\[\[([^\]]+)\]\])");
  static const std::regex number(R"([0-9]+(\.[0-9]+)?)");
  std::optional<std::string> last;
  for (auto it = std::sregex_iterator(reply.begin(), reply.end(), bracket);
       it != std::sregex_iterator(); ++it) {
    last = (*it)[1].str();
  }
  if (!last) return std::nullopt;
  std::smatch m;
  if (!std::regex_search(*last, m, number)) return std::nullopt;
  const double value = std::strtod(m.str().c_str(), nullptr);
  if (!(value >= 1 && value <= 10)) return std::nullopt;
  return value;
}

std::string structured_reply(FuzzedDataProvider& in) {
  static const char* const kPieces[] = {"The answer is mostly correct. ",
                                        "Rating: ",
                                        "[[",
                                        "]]",
                                        "[",
                                        "]",
                                        "7",
                                        "10",
                                        "0",
                                        "11",
                                        "7.5",
                                        "8/10",
                                        "1e3",
                                        "99999999999999999999999999",
                                        ".5",
                                        "[[3]]",
                                        "[[ 6 ]]",
                                        "[[]]",
                                        "\n",
                                        "评分：",
                                        "[[9]",
                                        "[[abc]]",
                                        "[[4]]x]]",
                                        "[[[[2]]]]"};
  std::string reply;
  const int n = in.ConsumeIntegralInRange(0, 24);
  for (int i = 0; i < n; ++i) {
    if (in.ConsumeIntegralInRange(0, 5) == 0) {
      reply += in.ConsumeRandomLengthString(8);
    } else {
      reply += kPieces[in.ConsumeIntegralInRange<size_t>(0, std::size(kPieces) - 1)];
    }
  }
  return reply;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string reply;
  if (data[0] < 0x80) {
    reply.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  } else {
    FuzzedDataProvider in(data + 1, size - 1);
    reply = structured_reply(in);
  }
  const std::optional<double> score = longalign::eval::parse_judge_score(reply);
  if (score && !(*score >= 1 && *score <= 10)) finding("a score outside 1..10");
  if (reply.size() <= 2048 && score != reference_score(reply)) {
    finding("the score differs from the documented rule's");
  }
  return 0;
}
