// `longalign eval needle`: the needle-in-a-haystack test over a grid of context lengths and
// depths. Each cell's result goes to OUT/results.jsonl as it finishes (a rerun skips the cells
// already there); the grid ends as OUT/grid.json and the heatmap OUT/heatmap.svg.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "eval/answer_match.h"
#include "eval/answer_source.h"
#include "eval/needle_case.h"
#include "eval/needle_grid.h"
#include "eval/needle_judge.h"
#include "eval/prompt_meter.h"

namespace longalign::eval {

struct NeedleOptions {
  std::filesystem::path haystack_dir;
  NeedleGrid grid;
  NeedleText text = default_needle_text();
  MatchMode match = MatchMode::kContains;  // unless a judge scores
  int64_t answer_room = 64;                // tokens of each length kept for the answer
  size_t concurrency = 1;                  // cells answered at once
  std::filesystem::path output;            // the folder of results.jsonl, grid.json, heatmap.svg
  std::string model_name;                  // for the heatmap's title
};

struct NeedleReport {
  GridScores scores;
  size_t reused = 0;    // cells found in results.jsonl
  size_t computed = 0;  // cells answered by this run
};

// Answers every cell that has no result yet with `source` (prompts sized by `meter`), scores it
// with `judge` when given and by matching otherwise, and writes the outputs. Throws Error when
// results.jsonl holds results for another expected answer, and UsageError for a length too
// short to hold the prompt.
NeedleReport run_needle(const NeedleOptions& options, AnswerSource& source,
                        const PromptMeter& meter, NeedleJudge* judge);

}  // namespace longalign::eval
