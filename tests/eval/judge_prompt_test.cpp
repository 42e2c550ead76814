// The judge template (Python str.format's positional slots) and the per-run example order.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "eval/judge_prompt.h"
#include "longbench_chat_fixture.h"
#include "test_support.h"

namespace longalign::eval {
namespace {

using testing::contains;
using testing::error_of;

TEST(JudgeTemplate, FillsTheNineSlotsInOrder) {
  const JudgeTemplate t = JudgeTemplate::parse(testing::kJudgeTemplate, "prompt_fs.txt");
  const FewShotAnswer a{"first", "9"}, b{"second", "5"}, c{"third", "2"};
  const std::string p = t.fill("Q?", "REF", {&b, &c, &a}, "MINE");
  EXPECT_EQ(p,
            "Rate the answer from 1 to 10 as \"[[rating]]\". Braces stay: {like this}.\n"
            "[Question]\nQ?\n[Reference]\nREF\n"
            "[Example]\nsecond\nRating: [[5]]\n[Example]\nthird\nRating: [[2]]\n"
            "[Example]\nfirst\nRating: [[9]]\n[Answer]\nMINE\nRating: ");
}

TEST(JudgeTemplate, ValuesAreNotTemplates) {
  const JudgeTemplate t = JudgeTemplate::parse("{}{}{}{}{}{}{}{}{}", "t");
  const FewShotAnswer a{"{}", "{{"};
  EXPECT_EQ(t.fill("{0}", "}", {&a, &a, &a}, "x"), "{0}}{}{{{}{{{}{{x");
}

TEST(JudgeTemplate, WrongSlotsNameTheFile) {
  EXPECT_TRUE(contains(error_of([] { JudgeTemplate::parse("{} {}", "dir/prompt_fs.txt"); }),
                       "dir/prompt_fs.txt: expected 9 \"{}\" slots"));
  EXPECT_TRUE(contains(error_of([] { JudgeTemplate::parse("{question}", "dir/prompt_fs.txt"); }),
                       "dir/prompt_fs.txt: byte 0: a lone brace"));
  EXPECT_TRUE(contains(error_of([] { JudgeTemplate::parse("{}{}{}{}{}{}{}{}{} }", "p"); }),
                       "p: byte 19: a lone brace"));
}

TEST(FewShotOrder, ReproduciblePermutationsThatDifferBetweenRuns) {
  int differ = 0;
  std::set<std::array<int, kFewShots>> seen;
  for (int64_t idx = 1; idx <= 50; ++idx) {
    const auto run0 = few_shot_order(42, idx, 0), run1 = few_shot_order(42, idx, 1);
    for (const auto& order : {run0, run1}) {
      auto sorted = order;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_EQ(sorted, (std::array<int, kFewShots>{0, 1, 2}));
      seen.insert(order);
    }
    EXPECT_EQ(run0, few_shot_order(42, idx, 0));
    differ += run0 != run1;
  }
  // Two independent draws agree one time in six: about 42 of 50 differ.
  EXPECT_GE(differ, 30);
  EXPECT_EQ(seen.size(), 6u);
  int other_seed_differs = 0;
  for (int64_t idx = 1; idx <= 50; ++idx) {
    other_seed_differs += few_shot_order(42, idx, 0) != few_shot_order(7, idx, 0);
  }
  EXPECT_GE(other_seed_differs, 30);
}

}  // namespace
}  // namespace longalign::eval
