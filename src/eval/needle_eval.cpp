#include "eval/needle_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "core/error.h"
#include "core/file_io.h"
#include "core/parallel.h"
#include "eval/haystack.h"
#include "eval/needle_heatmap.h"
#include "eval/results_log.h"

namespace longalign::eval {

namespace fs = std::filesystem;

namespace {

struct Cell {
  size_t row, column;  // depth index, length index
};

// Depths are written to JSON and read back; a tolerance keeps a reread 33.333... the same cell.
std::optional<size_t> index_of_depth(const NeedleGrid& grid, double depth) {
  for (size_t i = 0; i < grid.depths.size(); ++i) {
    if (std::abs(grid.depths[i] - depth) < 1e-6) return i;
  }
  return std::nullopt;
}

std::optional<size_t> index_of_length(const NeedleGrid& grid, int64_t length) {
  const auto it = std::find(grid.lengths.begin(), grid.lengths.end(), length);
  if (it == grid.lengths.end()) return std::nullopt;
  return static_cast<size_t>(it - grid.lengths.begin());
}

// Fills `scores` from earlier results; records of cells outside this grid are left alone.
void reuse_previous(const ResultsLog& log, const NeedleOptions& o, GridScores& scores,
                    size_t& reused) {
  const std::string where = (o.output / "results.jsonl").string();
  for (const Json& r : log.previous()) {
    if (!r.contains("length") || !r.contains("depth") || !r.contains("score") ||
        !r["length"].is_number_integer() || !r["depth"].is_number() || !r["score"].is_number()) {
      throw Error(where + ": a record without a whole length, a depth and a score");
    }
    if (r.value("answer", std::string()) != o.text.answer) {
      throw Error(where + " holds results for another needle (expected answer \"" +
                  r.value("answer", std::string()) + "\"); write to another folder");
    }
    const auto row = index_of_depth(o.grid, r["depth"].get<double>());
    const auto column = index_of_length(o.grid, r["length"].get<int64_t>());
    if (!row || !column) continue;
    if (!scores.scores[*row][*column]) ++reused;
    scores.scores[*row][*column] = r["score"].get<double>();
  }
}

std::vector<Cell> missing_cells(const GridScores& scores) {
  std::vector<Cell> cells;
  // Shortest lengths first: a length too short for the prompt fails before the long cells run.
  for (size_t column = 0; column < scores.grid.lengths.size(); ++column) {
    for (size_t row = 0; row < scores.grid.depths.size(); ++row) {
      if (!scores.scores[row][column]) cells.push_back({row, column});
    }
  }
  std::stable_sort(cells.begin(), cells.end(), [&](const Cell& a, const Cell& b) {
    return scores.grid.lengths[a.column] < scores.grid.lengths[b.column];
  });
  return cells;
}

double score_reply(const NeedleOptions& o, NeedleJudge* judge, const std::string& reply) {
  if (judge) return judge->score(o.text.question, o.text.answer, reply);
  return answer_matches(reply, o.text.answer, o.match) ? 1.0 : 0.0;
}

void write_outputs(const NeedleOptions& o, const GridScores& scores) {
  write_file_atomic(o.output / "grid.json", grid_json(scores).dump(2) + "\n");
  write_file_atomic(o.output / "heatmap.svg", needle_heatmap_svg(scores, o.model_name));
}

}  // namespace

NeedleReport run_needle(const NeedleOptions& o, AnswerSource& source, const PromptMeter& meter,
                        NeedleJudge* judge) {
  if (o.grid.lengths.empty() || o.grid.depths.empty()) {
    throw UsageError("the needle grid needs at least one length and one depth");
  }
  if (o.concurrency < 1) throw UsageError("--concurrency must be at least 1");
  fs::create_directories(o.output);
  ResultsLog log(o.output / "results.jsonl");
  NeedleReport report{GridScores(o.grid)};
  reuse_previous(log, o, report.scores, report.reused);
  const std::vector<Cell> cells = missing_cells(report.scores);
  if (!cells.empty()) {
    const int64_t longest = *std::max_element(o.grid.lengths.begin(), o.grid.lengths.end());
    const Haystack haystack(read_haystack_dir(o.haystack_dir), meter.tokenizer(),
                            static_cast<size_t>(longest));
    std::mutex mutex;
    parallel_for(cells.size(), o.concurrency, 1, [&](size_t, size_t begin, size_t end) {
      for (size_t k = begin; k < end; ++k) {
        const int64_t length = o.grid.lengths[cells[k].column];
        const double depth = o.grid.depths[cells[k].row];
        const NeedleCase c =
            make_needle_case(haystack, meter, o.text, length, depth, o.answer_room);
        const Answer reply = source.answer(c.prompt);
        const double score = score_reply(o, judge, reply.text);
        // "tokens" is counted here; "prompt_tokens" is what the model or server reported.
        log.append({{"length", length},
                    {"depth", depth},
                    {"tokens", c.prompt_tokens},
                    {"prompt_tokens", reply.prompt_tokens},
                    {"haystack_tokens", c.haystack_tokens},
                    {"needle_token", c.needle_token},
                    {"needle_depth", c.needle_depth},
                    {"answer", o.text.answer},
                    {"reply", reply.text},
                    {"score", score}});
        std::lock_guard lock(mutex);
        report.scores.scores[cells[k].row][cells[k].column] = score;
        ++report.computed;
        std::fprintf(stderr, "needle %zu/%zu: %s tokens, depth %.0f%%: score %.2f\n",
                     report.computed, cells.size(), length_label(length).c_str(), depth, score);
      }
    });
  }
  write_outputs(o, report.scores);
  return report;
}

}  // namespace longalign::eval
