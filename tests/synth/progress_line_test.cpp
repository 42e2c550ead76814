// The progress line: a bar redrawn in place on a terminal, plain lines now and then otherwise.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "synth/progress_line.h"
#include "test_support.h"

namespace longalign::synth {
namespace {

using namespace std::chrono_literals;
using testing::contains;

TEST(ProgressLine, PlainLinesAtIntervalsAndAtTheEnd) {
  std::ostringstream out;
  ProgressLine p(out, "job", 10, false, 1h);
  p.update({1, 0, 0, 50});
  p.message("skipped doc.txt");
  p.finish({7, 1, 2, 900});
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
  EXPECT_FALSE(contains(out.str(), "1 done")) << "the interval had not passed";
  EXPECT_TRUE(out.str().starts_with("skipped doc.txt\n")) << out.str();
  EXPECT_TRUE(contains(out.str(), "job: 10/10 (100%), 7 done, 1 failed, 2 skipped, 900 tokens"))
      << out.str();

  std::ostringstream often;
  ProgressLine q(often, "job", 4, false, 0ms);
  q.update({1, 0, 0, 5});
  q.update({2, 0, 0, 9});
  EXPECT_TRUE(contains(often.str(), "job: 1/4 (25%), 1 done")) << often.str();
  EXPECT_TRUE(contains(often.str(), "job: 2/4 (50%), 2 done")) << often.str();
}

TEST(ProgressLine, BarOnATerminalKeepsMessagesAbove) {
  std::ostringstream out;
  ProgressLine p(out, "job", 4, true, 1h);
  p.finish({2, 0, 0, 0});  // draws at once
  EXPECT_TRUE(contains(out.str(), "\rjob: [############............] 2/4 (50%)")) << out.str();
  EXPECT_TRUE(out.str().ends_with("\n"));

  std::ostringstream again;
  ProgressLine q(again, "job", 4, true, 1h);
  std::this_thread::sleep_for(120ms);
  q.update({1, 0, 0, 0});
  q.message("failed x");
  EXPECT_TRUE(contains(again.str(), "\r\033[Kfailed x\n\rjob: [######")) << again.str();
}

}  // namespace
}  // namespace longalign::synth
