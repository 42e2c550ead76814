#include "data/plan_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <utility>

#include "core/error.h"
#include "core/svg.h"

namespace longalign::data {

namespace {

uint64_t config_uint(const Json& config, const char* key, const std::string& where) {
  const Json& v = json_field(config, key, where);
  if (!v.is_number_unsigned() || v.get<uint64_t>() == 0) {
    throw Error(where + ": \"" + key + "\" must be a positive integer");
  }
  return v.get<uint64_t>();
}

struct MicroBatchCost {
  uint64_t real = 0, computed = 0;
  double attention_sq = 0;  // Σ L² over the sequences attention actually runs on
};

MicroBatchCost micro_batch_cost(const MicroBatch& mb, const std::vector<Sample>& samples,
                                const PlanOptions& o) {
  MicroBatchCost c;
  uint64_t longest = 0;
  for (const uint32_t id : mb) {
    const uint64_t len = samples[id].length;
    c.real += len;
    longest = std::max(longest, len);
    c.attention_sq += static_cast<double>(len) * static_cast<double>(len);
  }
  if (o.method == Method::kPack) {
    c.computed = o.max_tokens;
  } else {
    // Padded to the longest: every row is as long as the longest and attends over all of it.
    c.computed = longest * mb.size();
    c.attention_sq = static_cast<double>(mb.size()) * static_cast<double>(longest) *
                     static_cast<double>(longest);
  }
  return c;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string scientific(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3e", v);
  return buf;
}

// Mean and coefficient of variation (population standard deviation over the mean).
std::pair<double, double> mean_and_cv(const std::vector<double>& xs) {
  if (xs.empty()) return {0, 0};
  double sum = 0;
  for (const double x : xs) sum += x;
  const double mean = sum / static_cast<double>(xs.size());
  double squares = 0;
  for (const double x : xs) squares += (x - mean) * (x - mean);
  const double sd = std::sqrt(squares / static_cast<double>(xs.size()));
  return {mean, mean > 0 ? sd / mean : 0};
}

Json mix_json(const StepMix& m) {
  return Json{{"long_from", m.long_from},
              {"full_steps", m.full_steps},
              {"sequences_per_step",
               {{"min", m.min_sequences},
                {"median", m.median_sequences},
                {"max", m.max_sequences},
                {"cv", m.sequences_cv}}},
              {"long_share_per_step",
               {{"mean", m.long_share_mean},
                {"min", m.long_share_min},
                {"max", m.long_share_max},
                {"cv", m.long_share_cv}}}};
}

Json stats_json(const PlanStats& s) {
  Json j{{"label", s.label},
         {"steps", s.steps},
         {"micro_batches", s.micro_batches},
         {"sequences", s.sequences},
         {"sequences_per_micro_batch", s.sequences_per_micro_batch},
         {"real_tokens", s.real_tokens},
         {"computed_tokens", s.computed_tokens},
         {"efficiency", s.efficiency}};
  j["flops_per_epoch"] = s.flops_per_epoch > 0 ? Json(s.flops_per_epoch) : Json(nullptr);
  j["step_mix"] = mix_json(s.mix);
  return j;
}

}  // namespace

ModelConfig read_model_config(const std::filesystem::path& path) {
  const Json j = read_json_file(path);
  const std::string where = path.string();
  ModelConfig m;
  m.hidden_size = config_uint(j, "hidden_size", where);
  m.num_hidden_layers = config_uint(j, "num_hidden_layers", where);
  // Configs that leave the MLP width out use the classic 4·h.
  m.intermediate_size =
      j.contains("intermediate_size") ? config_uint(j, "intermediate_size", where) : 0;
  if (m.intermediate_size == 0) m.intermediate_size = 4 * m.hidden_size;
  m.vocab_size = config_uint(j, "vocab_size", where);
  m.num_attention_heads = config_uint(j, "num_attention_heads", where);
  return m;
}

double matmul_params(const ModelConfig& m) {
  const auto h = static_cast<double>(m.hidden_size);
  const double layer = 4 * h * h + 3 * h * static_cast<double>(m.intermediate_size);
  return static_cast<double>(m.num_hidden_layers) * layer + static_cast<double>(m.vocab_size) * h;
}

double attention_divisor(const ModelConfig& m) {
  const auto h = static_cast<double>(m.hidden_size);
  return (4 * h * h + 3 * h * static_cast<double>(m.intermediate_size)) / h;
}

std::string plan_label(const PlanOptions& o) {
  return o.method == Method::kPack ? "pack-" + packer_name(o.packer) : method_name(o.method);
}

uint64_t default_long_from(const PlanOptions& options) {
  return std::max<uint64_t>(1, options.max_tokens / 8);
}

StepMix step_mix(const Plan& plan, const std::vector<Sample>& samples, uint64_t long_from) {
  StepMix mix;
  mix.long_from = long_from;
  const uint64_t per_step = uint64_t{plan.options.world_size} * plan.options.grad_accum;
  std::vector<double> sequences, shares;
  for (const Step& step : plan.steps) {
    if (step.epoch != 0) break;
    if (step.k != per_step || step.m == 0) continue;
    uint64_t long_count = 0;
    for (const auto& rank : step.ranks) {
      for (const MicroBatch& mb : rank) {
        for (const uint32_t id : mb) long_count += samples[id].length >= long_from;
      }
    }
    sequences.push_back(static_cast<double>(step.m));
    shares.push_back(static_cast<double>(long_count) / static_cast<double>(step.m));
  }
  mix.full_steps = sequences.size();
  if (sequences.empty()) return mix;
  mix.sequences_cv = mean_and_cv(sequences).second;
  std::tie(mix.long_share_mean, mix.long_share_cv) = mean_and_cv(shares);
  mix.long_share_min = *std::min_element(shares.begin(), shares.end());
  mix.long_share_max = *std::max_element(shares.begin(), shares.end());
  std::sort(sequences.begin(), sequences.end());
  mix.min_sequences = static_cast<uint64_t>(sequences.front());
  mix.median_sequences = static_cast<uint64_t>(sequences[sequences.size() / 2]);
  mix.max_sequences = static_cast<uint64_t>(sequences.back());
  return mix;
}

PlanStats plan_stats(const Plan& plan, const std::vector<Sample>& samples,
                     const std::optional<ModelConfig>& model, uint64_t long_from) {
  PlanStats s;
  s.mix = step_mix(plan, samples, long_from ? long_from : default_long_from(plan.options));
  s.label = plan_label(plan.options);
  double attention_sq = 0;
  for (const Step& step : plan.steps) {
    if (step.epoch != 0) break;
    ++s.steps;
    for (const auto& rank : step.ranks) {
      for (const MicroBatch& mb : rank) {
        const MicroBatchCost c = micro_batch_cost(mb, samples, plan.options);
        ++s.micro_batches;
        s.sequences += mb.size();
        s.real_tokens += c.real;
        s.computed_tokens += c.computed;
        attention_sq += c.attention_sq;
        s.fills.push_back(c.computed ? static_cast<double>(c.real) / c.computed : 0.0);
      }
    }
  }
  if (s.micro_batches) {
    s.sequences_per_micro_batch = static_cast<double>(s.sequences) / s.micro_batches;
  }
  if (s.computed_tokens) {
    s.efficiency = static_cast<double>(s.real_tokens) / static_cast<double>(s.computed_tokens);
  }
  if (model) {
    s.flops_per_epoch = 6 * matmul_params(*model) * static_cast<double>(s.computed_tokens) +
                        6 * static_cast<double>(model->num_hidden_layers) *
                            static_cast<double>(model->hidden_size) * attention_sq;
  }
  return s;
}

std::vector<PlanStats> compare_methods(const std::vector<Sample>& samples,
                                       const PlanOptions& options,
                                       const std::optional<ModelConfig>& model,
                                       uint64_t long_from) {
  std::vector<PlanStats> all;
  PlanOptions o = options;
  o.epochs = 1;
  const std::pair<Method, Packer> kinds[] = {
      {Method::kPack, Packer::kBalanced},
      {Method::kPack, Packer::kFirstFitDecreasing},
      {Method::kPack, Packer::kBestFitDecreasing},
      {Method::kPack, Packer::kNextFit},
      {Method::kSort, options.packer},
      {Method::kNaive, options.packer},
  };
  for (const auto& [method, packer] : kinds) {
    o.method = method;
    o.packer = packer;
    all.push_back(plan_stats(make_plan(samples, o), samples, model, long_from));
  }
  return all;
}

std::string report_text(const PlanStats& chosen, const std::vector<PlanStats>& all) {
  const StepMix& m = chosen.mix;
  std::string out = "plan " + chosen.label + ": " + std::to_string(chosen.steps) +
                    " steps per epoch, " + std::to_string(chosen.micro_batches) +
                    " micro-batches, " + fixed(chosen.sequences_per_micro_batch, 2) +
                    " sequences per micro-batch, efficiency " + fixed(100 * chosen.efficiency, 2) +
                    "%\n";
  out += "steps: " + std::to_string(m.full_steps) + " full; sequences per step min/median/max " +
         std::to_string(m.min_sequences) + "/" + std::to_string(m.median_sequences) + "/" +
         std::to_string(m.max_sequences) + " (cv " + fixed(m.sequences_cv, 3) +
         "); long samples (>= " + std::to_string(m.long_from) + " tokens) per step " +
         fixed(100 * m.long_share_min, 1) + "-" + fixed(100 * m.long_share_max, 1) + "%, mean " +
         fixed(100 * m.long_share_mean, 1) + "% (cv " + fixed(m.long_share_cv, 3) + ")\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-14s %8s %14s %10s %16s %11s %12s %11s %9s\n", "method",
                "steps", "micro-batches", "seq/mb", "tokens computed", "efficiency", "FLOPs/epoch",
                "seq/step cv", "long cv");
  out += line;
  for (const PlanStats& s : all) {
    std::snprintf(line, sizeof line,
                  "%-14s %8llu %14llu %10.2f %16llu %10.2f%% %12s %11.3f %9.3f\n", s.label.c_str(),
                  static_cast<unsigned long long>(s.steps),
                  static_cast<unsigned long long>(s.micro_batches), s.sequences_per_micro_batch,
                  static_cast<unsigned long long>(s.computed_tokens), 100 * s.efficiency,
                  s.flops_per_epoch > 0 ? scientific(s.flops_per_epoch).c_str() : "-",
                  s.mix.sequences_cv, s.mix.long_share_cv);
    out += line;
  }
  return out;
}

Json report_json(const PlanStats& chosen, const std::vector<PlanStats>& all) {
  Json methods = Json::array();
  for (const PlanStats& s : all) methods.push_back(stats_json(s));
  return Json{{"plan", stats_json(chosen)}, {"methods", std::move(methods)}};
}

std::string fill_histogram_svg(const PlanStats& stats) {
  BarChart chart;
  chart.title = "Micro-batch fill: " + stats.label + " (" + std::to_string(stats.micro_batches) +
                " micro-batches)";
  chart.x_label = "fill (real tokens / tokens computed), %";
  chart.y_label = "micro-batches";
  constexpr int kBins = 20;
  chart.values.assign(kBins, 0);
  for (int b = 0; b < kBins; ++b) chart.labels.push_back(std::to_string(b * 100 / kBins));
  for (const double f : stats.fills) {
    // A full micro-batch (fill 1.0) belongs in the top bin, not past it.
    const int b = std::min(kBins - 1, static_cast<int>(f * kBins));
    chart.values[static_cast<size_t>(std::max(0, b))] += 1;
  }
  return bar_chart_svg(chart);
}

}  // namespace longalign::data
