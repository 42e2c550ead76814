#include "data/prepare.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <type_traits>

#include "core/error.h"
#include "core/parallel.h"
#include "core/random.h"
#include "core/svg.h"
#include "data/chat_record.h"
#include "data/chat_template.h"
#include "data/store.h"
#include "text/tokenizer.h"

namespace longalign::data {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxWarnings = 20;

// Copies of line `line` of input `file`: floor(weight), plus one with probability frac(weight).
uint32_t copies_of(double weight, uint64_t seed, size_t file, uint64_t line) {
  const double whole = std::floor(weight);
  const double fraction = weight - whole;
  uint32_t copies = static_cast<uint32_t>(whole);
  if (fraction > 0) {
    const uint64_t h = splitmix64_hash(splitmix64_hash(seed ^ splitmix64_hash(file + 1)) ^ line);
    const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
    if (u < fraction) ++copies;
  }
  return copies;
}

enum class Outcome { kept, truncated, malformed, no_target, too_long };

struct Item {
  std::string line;
  uint64_t line_number = 0;
  uint32_t copies = 0;
  Outcome outcome = Outcome::kept;
  std::string error;
  TokenizedChat chat;
};

uint32_t count_targets(const std::vector<uint8_t>& mask) {
  return static_cast<uint32_t>(std::count(mask.begin(), mask.end(), uint8_t{1}));
}

// Cuts `chat` to `max` tokens, ids and mask alike.
void truncate(TokenizedChat& chat, uint32_t max, Truncation mode) {
  auto cut = [&](auto& v) {
    using V = std::remove_reference_t<decltype(v)>;
    if (mode == Truncation::right) {
      v.resize(max);
    } else if (mode == Truncation::left) {
      v.erase(v.begin(), v.end() - max);
    } else {
      const size_t head = max / 2, tail = max - head;
      V kept(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(head));
      kept.insert(kept.end(), v.end() - static_cast<std::ptrdiff_t>(tail), v.end());
      v = std::move(kept);
    }
  };
  cut(chat.ids);
  cut(chat.mask);
}

uint32_t percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

Truncation parse_truncation(const std::string& name) {
  if (name == "right") return Truncation::right;
  if (name == "left") return Truncation::left;
  if (name == "middle") return Truncation::middle;
  if (name == "skip") return Truncation::skip;
  throw UsageError("--truncate " + name + ": expected right, left, middle or skip");
}

const char* truncation_name(Truncation truncation) {
  switch (truncation) {
    case Truncation::right:
      return "right";
    case Truncation::left:
      return "left";
    case Truncation::middle:
      return "middle";
    case Truncation::skip:
      return "skip";
  }
  return "?";
}

PrepareInput parse_mix_input(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos && colon + 1 < text.size()) {
    const std::string tail = text.substr(colon + 1);
    char* end = nullptr;
    const double weight = std::strtod(tail.c_str(), &end);
    if (end == tail.c_str() + tail.size()) {
      if (!(weight >= 0) || !std::isfinite(weight)) {
        throw UsageError("--mix " + text + ": the weight must be a number >= 0");
      }
      return {text.substr(0, colon), weight};
    }
  }
  return {text, 1.0};
}

std::string lengths_svg(const std::vector<uint32_t>& lengths) {
  const Json bins = length_histogram_json(lengths);
  BarChart chart;
  chart.title = "Sample lengths (" + std::to_string(lengths.size()) + " samples)";
  chart.x_label = "tokens (log-spaced bins, lower bound)";
  chart.y_label = "samples";
  // Every power-of-two bin from the shortest to the longest, empty ones too, so gaps show.
  size_t next = 0;
  for (uint64_t lo = bins.empty() ? 1 : bins.front()["min"].get<uint64_t>();
       !bins.empty() && lo <= bins.back()["min"].get<uint64_t>(); lo = lo == 0 ? 1 : 2 * lo) {
    const bool filled = next < bins.size() && bins[next]["min"].get<uint64_t>() == lo;
    chart.labels.push_back(std::to_string(lo));
    chart.values.push_back(filled ? bins[next++]["count"].get<double>() : 0.0);
  }
  return bar_chart_svg(chart);
}

Json prepare_report_json(const PrepareReport& r) {
  return {{"read", r.read},
          {"written", r.written},
          {"skipped_malformed", r.malformed},
          {"truncated", r.truncated},
          {"dropped_no_target", r.no_target},
          {"dropped_too_long", r.too_long},
          {"tokens", r.tokens},
          {"target_tokens", r.target_tokens},
          {"length_percentiles", {{"p50", r.p50}, {"p90", r.p90}, {"p99", r.p99}, {"max", r.max}}}};
}

std::string prepare_report_text(const PrepareReport& r) {
  std::string s;
  // Input lines are counted once each; the written samples include the copies mixing makes.
  s += "lines read                 " + std::to_string(r.read) + "\n";
  s += "  skipped, malformed       " + std::to_string(r.malformed) + "\n";
  s += "  dropped, no target       " + std::to_string(r.no_target) + "\n";
  s += "  dropped, too long        " + std::to_string(r.too_long) + "\n";
  s += "  truncated                " + std::to_string(r.truncated) + "\n";
  s += "samples written (w/ mix)   " + std::to_string(r.written) + "\n";
  s += "tokens                     " + std::to_string(r.tokens) + "\n";
  s += "target tokens              " + std::to_string(r.target_tokens) + "\n";
  s += "length p50 p90 p99 max     " + std::to_string(r.p50) + " " + std::to_string(r.p90) + " " +
       std::to_string(r.p99) + " " + std::to_string(r.max) + "\n";
  return s;
}

PrepareReport prepare_store(const PrepareOptions& o) {
  if (o.max_length == 0) throw UsageError("--max-len must be at least 1");
  if (o.inputs.empty()) throw UsageError("data prepare needs at least one input file");
  const ChatTemplate chat_template = chat_template_from_name(o.chat_template);
  const text::Tokenizer tokenizer = text::Tokenizer::load(o.tokenizer);
  TokenizeChatOptions tokenize_options;
  tokenize_options.split_special_content = o.split_special_content;
  tokenize_options.remove_zero_width = o.remove_zero_width;

  StoreInfo info;
  info.tokenizer_source = tokenizer.source().string();
  info.tokenizer_hash = store_file_hash(tokenizer.source());
  info.chat_template = o.chat_template;
  info.max_length = o.max_length;
  info.truncation = truncation_name(o.truncation);
  info.extra["inputs"] = Json::array();
  for (const auto& in : o.inputs) {
    info.extra["inputs"].push_back({{"path", in.path.string()}, {"weight", in.weight}});
  }
  info.extra["seed"] = o.seed;
  StoreWriter writer(o.output, info);

  PrepareReport report;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Item> block;
  const auto flush = [&](const std::string& file_name, uint32_t source) {
    parallel_for(block.size(), o.threads, 16, [&](size_t, size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        Item& item = block[i];
        const std::string where = file_name + ":" + std::to_string(item.line_number);
        ChatRecord record;
        try {
          record = parse_chat_record(item.line, where);
        } catch (const Error& e) {
          item.outcome = Outcome::malformed;
          item.error = e.what();
          continue;
        }
        item.chat = tokenize_chat(record, chat_template, tokenizer, tokenize_options);
        if (item.chat.ids.size() > o.max_length) {
          if (o.truncation == Truncation::skip) {
            item.outcome = Outcome::too_long;
            continue;
          }
          truncate(item.chat, o.max_length, o.truncation);
          item.outcome = Outcome::truncated;
        }
        if (count_targets(item.chat.mask) == 0) item.outcome = Outcome::no_target;
      }
    });
    for (const Item& item : block) {
      switch (item.outcome) {
        case Outcome::malformed:
          if (o.strict) throw Error(item.error);
          ++report.malformed;
          if (report.warnings.size() < kMaxWarnings) report.warnings.push_back(item.error);
          continue;
        case Outcome::too_long:
          ++report.too_long;
          continue;
        case Outcome::no_target:
          ++report.no_target;
          continue;
        case Outcome::truncated:
          ++report.truncated;
          break;
        case Outcome::kept:
          break;
      }
      for (uint32_t c = 0; c < item.copies; ++c) writer.add(item.chat.ids, item.chat.mask, source);
    }
    block.clear();
    if (o.progress) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << "\rprepare: " << report.read << " lines, " << writer.sample_count()
                << " samples, " << writer.token_count() << " tokens, "
                << static_cast<uint64_t>(static_cast<double>(writer.token_count()) /
                                         std::max(seconds, 1e-9))
                << " tokens/s" << std::flush;
    }
  };

  for (size_t f = 0; f < o.inputs.size(); ++f) {
    const PrepareInput& in = o.inputs[f];
    std::ifstream stream(in.path, std::ios::binary);
    if (!stream) throw Error(in.path.string() + ": cannot open");
    std::string line;
    uint64_t line_number = 0;
    while (std::getline(stream, line)) {
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      ++report.read;
      Item item;
      item.line = std::move(line);
      item.line_number = line_number;
      item.copies = copies_of(in.weight, o.seed, f, line_number);
      block.push_back(std::move(item));
      if (block.size() >= o.block_lines) flush(in.path.string(), static_cast<uint32_t>(f));
    }
    if (stream.bad()) throw Error(in.path.string() + ": read failed");
    flush(in.path.string(), static_cast<uint32_t>(f));
  }
  if (o.progress) std::cerr << '\n';

  std::vector<uint32_t> sorted = writer.lengths();
  std::sort(sorted.begin(), sorted.end());
  report.written = writer.sample_count();
  report.tokens = writer.token_count();
  report.target_tokens = writer.target_count();
  report.p50 = percentile(sorted, 0.50);
  report.p90 = percentile(sorted, 0.90);
  report.p99 = percentile(sorted, 0.99);
  report.max = sorted.empty() ? 0 : sorted.back();

  const Json report_json = prepare_report_json(report);
  writer.set_meta("counts", report_json);
  writer.finish({{"report.json", report_json.dump(2) + "\n"},
                 {"lengths.svg", lengths_svg(writer.lengths())}});
  return report;
}

}  // namespace longalign::data
