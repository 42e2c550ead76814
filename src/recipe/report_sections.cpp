// The sections of the run report, each from the files one stage wrote.
#include <algorithm>
#include <cstdio>

#include "core/file_io.h"
#include "core/svg.h"
#include "data/plan_file.h"
#include "data/plan_report.h"
#include "data/store.h"
#include "recipe/report.h"
#include "recipe/report_format.h"

namespace longalign::recipe {

namespace fs = std::filesystem;

namespace {

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

ReportSection recipe_section(const RunPaths& p) {
  const std::string text = read_file(p.run / "recipe.toml");
  return {"recipe",
          "The recipe as run",
          {"recipe.toml"},
          "```toml\n" + text + "```\n",
          "<pre>" + markup_escape(text) + "</pre>\n"};
}

ReportSection stages_section(const RunPaths& p) {
  const Json stages = read_json_file(p.run / "recipe-state.json").at("stages");
  Rows rows = {{"stage", "state", "seconds", "peak memory (MiB)"}};
  for (const std::string& name : stage_names()) {
    if (!stages.contains(name)) continue;
    const Json& s = stages.at(name);
    rows.push_back({name, s.value("finished", false) ? "finished" : "interrupted",
                    fixed(s.value("seconds", 0.0), 1), fixed(s.value("peak_rss_mib", 0.0), 0)});
  }
  return {"stages", "Stages", {"recipe-state.json"}, markdown_table(rows), html_table(rows)};
}

Rows store_rows(const Json& report, const std::string& name) {
  const Json& pct = report.at("length_percentiles");
  return {{name, std::to_string(report.at("written").get<uint64_t>()),
           std::to_string(report.at("tokens").get<uint64_t>()),
           std::to_string(pct.at("p50").get<uint64_t>()),
           std::to_string(pct.at("p90").get<uint64_t>()),
           std::to_string(pct.at("max").get<uint64_t>()),
           std::to_string(report.at("truncated").get<uint64_t>() +
                          report.at("dropped_too_long").get<uint64_t>())}};
}

ReportSection data_section(const RunPaths& p) {
  Rows rows = {{"store", "samples", "tokens", "median", "p90", "max", "truncated or dropped"}};
  for (const auto& [dir, name] : {std::pair{p.store, "training"}, {p.test_store, "held-out"}}) {
    for (auto& row : store_rows(read_json_file(dir / "report.json"), name)) rows.push_back(row);
  }
  const std::string svg = read_file(p.store / "lengths.svg");
  return {"data",
          "Data",
          {"store/report.json", "store/lengths.svg", "test_store/report.json"},
          markdown_table(rows) + "\n![lengths of the training samples](store/lengths.svg)\n",
          html_table(rows) + html_figure(svg)};
}

ReportSection plan_section(const RunPaths& p) {
  const data::Plan plan = data::load_plan(p.plan);
  const auto samples = data::StoreReader(p.store).samples();
  const data::PlanStats s = data::plan_stats(plan, samples, std::nullopt);
  const Rows rows = {
      {"plan", "steps", "epochs", "micro-batches per epoch", "fill",
       "sequences per step (min / median / max)"},
      {s.label, std::to_string(plan.steps.size()), std::to_string(plan.options.epochs),
       std::to_string(s.micro_batches), fixed(100 * s.efficiency, 1) + "%",
       std::to_string(s.mix.min_sequences) + " / " + std::to_string(s.mix.median_sequences) +
           " / " + std::to_string(s.mix.max_sequences)}};
  return {"plan",
          "Plan",
          {"plan.json", "plan_fill.svg"},
          markdown_table(rows) + "\n![pack fill](plan_fill.svg)\n",
          html_table(rows) + html_figure(read_file(p.plan_svg))};
}

// Steps, the last losses and the throughput, from the trainer's metrics.
Rows training_rows(const fs::path& metrics) {
  double tokens = 0, seconds = 0, loss = 0, eval_loss = -1;
  int64_t steps = 0;
  const std::string text = read_file(metrics);
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    const Json row = parse_json(text.substr(start, end - start), metrics.string());
    if (row.contains("eval_loss")) {
      eval_loss = row.at("eval_loss").get<double>();
      continue;
    }
    steps = row.at("step").get<int64_t>();
    loss = row.at("loss").get<double>();
    tokens += row.at("tokens").get<double>();
    seconds += row.at("seconds").get<double>();
  }
  return {{"steps", "last loss", "last held-out loss", "tokens", "seconds", "tokens/s"},
          {std::to_string(steps), fixed(loss, 3), eval_loss < 0 ? "-" : fixed(eval_loss, 3),
           fixed(tokens, 0), fixed(seconds, 1), fixed(seconds > 0 ? tokens / seconds : 0, 0)}};
}

ReportSection training_section(const RunPaths& p) {
  const Rows rows = training_rows(p.train / "metrics.jsonl");
  return {"training",
          "Training",
          {"train/metrics.jsonl", "loss.svg", "train/model/config.json"},
          markdown_table(rows) + "\n![loss curves](loss.svg)\n",
          html_table(rows) + html_figure(read_file(p.loss_svg))};
}

std::string cell_text(const Json& cell) {
  const int64_t correct = cell.at("correct"), total = cell.at("total");
  if (total == 0) return "-";
  return std::to_string(correct) + "/" + std::to_string(total) + " (" +
         std::to_string(100 * correct / total) + "%)";
}

// The length columns of the accuracy table in ascending order (the JSON sorts them as text).
std::vector<std::string> accuracy_lengths(const Json& cells) {
  std::vector<std::string> lengths;
  for (const auto& [length, cell] : cells.items())
    if (length != "all") lengths.push_back(length);
  std::sort(lengths.begin(), lengths.end(), [](const std::string& a, const std::string& b) {
    return std::stoll(a) < std::stoll(b);
  });
  return lengths;
}

ReportSection accuracy_section(const RunPaths& p) {
  const Json table = read_json_file(p.accuracy);
  const Json& tasks = table.at("tasks");
  const auto lengths =
      tasks.empty() ? std::vector<std::string>{} : accuracy_lengths(tasks.begin().value());
  Rows rows = {{"task"}};
  for (const std::string& length : lengths) rows[0].push_back(length + " tokens");
  rows[0].push_back("all");
  for (const auto& [task, cells] : tasks.items()) {
    Rows::value_type row = {task};
    for (const std::string& length : lengths) row.push_back(cell_text(cells.at(length)));
    row.push_back(cell_text(cells.at("all")));
    rows.push_back(row);
  }
  const std::string note = "Exact match: greedy decoding reproduces the expected answer.\n\n";
  return {"accuracy",
          "Task accuracy (held-out)",
          {"accuracy.json", "accuracy.txt"},
          note + markdown_table(rows),
          "<p>" + note + "</p>" + html_table(rows)};
}

std::string score_text(const Json& score) {
  return score.is_null() ? "-" : fixed(score.get<double>(), 2);
}

// The mean score by context length, the grid's mean, and the heatmap (grid.json, heatmap.svg).
ReportSection needle_section(const RunPaths& p) {
  const Json grid = read_json_file(p.needle / "grid.json");
  Rows rows = {{"context length"}, {"mean score"}};
  for (size_t j = 0; j < grid.at("lengths").size(); ++j) {
    rows[0].push_back(std::to_string(grid.at("lengths")[j].get<int64_t>()) + " tokens");
    rows[1].push_back(score_text(grid.at("length_means")[j]));
  }
  rows[0].push_back("all");
  rows[1].push_back(score_text(grid.at("mean")));
  const std::string note = "Score 1 where the trained model's answer holds the needle's answer, " +
                           std::to_string(grid.at("depths").size()) +
                           " depths per length; the heatmap shows every cell.\n\n";
  return {
      "needle",
      "Needle in a haystack",
      {"needle/results.jsonl", "needle/grid.json", "needle/heatmap.svg"},
      note + markdown_table(rows) + "\n![needle heatmap](needle/heatmap.svg)\n",
      "<p>" + note + "</p>" + html_table(rows) + html_figure(read_file(p.needle / "heatmap.svg"))};
}

std::string rating_text(const Json& group) {
  const Json& mean = group.at("mean");
  return mean.is_null() ? "-"
                        : fixed(mean.get<double>(), 2) + " (" +
                              std::to_string(group.at("count").get<int64_t>()) + " questions)";
}

// The judge's mean rating overall and by language, and what the judge did (summary.json).
ReportSection longbench_chat_section(const RunPaths& p) {
  const Json s = read_json_file(p.longbench_chat / "summary.json");
  Rows scores = {{"language", "mean rating (1-10)"}};
  for (const auto& [language, group] : s.at("by_language").items())
    scores.push_back({language, rating_text(group)});
  scores.push_back({"all", rating_text({{"mean", s.at("score")}, {"count", s.at("scored")}})});
  const Rows judge = {
      {"questions", "answered", "judge runs per answer", "judgments", "without a rating"},
      {std::to_string(s.at("questions").get<int64_t>()),
       std::to_string(s.at("answered").get<int64_t>()),
       std::to_string(s.at("judge_runs").get<int>()),
       std::to_string(s.at("judgments").get<int64_t>()),
       std::to_string(s.at("judge_failures").get<int64_t>())}};
  return {"longbench-chat",
          "LongBench-Chat",
          {"longbench_chat/summary.json", "longbench_chat/summary.txt",
           "longbench_chat/predictions.jsonl", "longbench_chat/judgments.jsonl"},
          markdown_table(scores) + "\n" + markdown_table(judge),
          html_table(scores) + html_table(judge)};
}

// The headline figures of the other sections, as big numbers.
ReportSection summary_section(const RunPaths& p) {
  Rows figures = {{}, {}};  // labels, values
  std::vector<fs::path> from;
  const auto add = [&figures](const std::string& label, const std::string& value) {
    figures[0].push_back(label);
    figures[1].push_back(value);
  };
  if (fs::exists(p.store / "report.json")) {
    add("training samples",
        std::to_string(read_json_file(p.store / "report.json").at("written").get<uint64_t>()));
    from.push_back("store/report.json");
  }
  if (fs::exists(p.loss_svg)) {
    const Rows training = training_rows(p.train / "metrics.jsonl");
    add("steps", training[1][0]);
    add("last loss", training[1][1]);
    add("held-out loss", training[1][2]);
    add("tokens/s", training[1][5]);
    from.push_back("train/metrics.jsonl");
  }
  if (fs::exists(p.accuracy)) {
    add("task accuracy", cell_text(read_json_file(p.accuracy).at("all")));
    from.push_back("accuracy.json");
  }
  if (fs::exists(p.longbench_chat / "summary.json")) {
    const Json summary = read_json_file(p.longbench_chat / "summary.json");
    add("LongBench-Chat", score_text(summary.at("score")));
    from.push_back("longbench_chat/summary.json");
  }
  if (fs::exists(p.needle / "grid.json")) {
    add("needle score", score_text(read_json_file(p.needle / "grid.json").at("mean")));
    from.push_back("needle/grid.json");
  }
  std::string cards = "<div class=\"cards\">";
  for (size_t i = 0; i < figures[0].size(); ++i) {
    cards += "<div class=\"card\"><b>" + markup_escape(figures[1][i]) + "</b><span>" +
             markup_escape(figures[0][i]) + "</span></div>";
  }
  return {"summary", "At a glance", from, markdown_table(figures), cards + "</div>\n"};
}

}  // namespace

std::vector<ReportSection> report_sections(const RunPaths& p) {
  std::vector<ReportSection> sections = {summary_section(p), recipe_section(p), stages_section(p)};
  if (fs::exists(p.store / "report.json") && fs::exists(p.test_store / "report.json"))
    sections.push_back(data_section(p));
  if (fs::exists(p.plan) && fs::exists(p.plan_svg)) sections.push_back(plan_section(p));
  if (fs::exists(p.loss_svg)) sections.push_back(training_section(p));
  if (fs::exists(p.accuracy)) sections.push_back(accuracy_section(p));
  if (fs::exists(p.needle / "grid.json") && fs::exists(p.needle / "heatmap.svg"))
    sections.push_back(needle_section(p));
  if (fs::exists(p.longbench_chat / "summary.json")) sections.push_back(longbench_chat_section(p));
  return sections;
}

}  // namespace longalign::recipe
