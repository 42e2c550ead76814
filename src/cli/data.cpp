// longalign data: the data pipeline. `data plan` decides which samples train together, on which
// rank and in which optimizer step, and reports what that costs against the other methods.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "data/plan.h"
#include "data/plan_file.h"
#include "data/plan_report.h"
#include "data/prepare.h"
#include "data/samples.h"
#include "data/store.h"
#include "text/tokenizer.h"

namespace longalign::cli {

namespace {

struct PlanArgs {
  std::string store, lengths, method, packer = "balanced", output, svg, model_config;
  uint64_t max_tokens = 0, seed = 0, long_from = 0;
  uint32_t batch_size = 0, grad_accum = 1, world_size = 1, epochs = 1;
  bool json = false;
};

// The samples to plan: a tokenized store or a lengths file.
std::unique_ptr<data::SampleSource> sample_source(const PlanArgs& a) {
  if (!a.store.empty() && !a.lengths.empty()) {
    throw UsageError("data plan takes a STORE or --lengths FILE, not both");
  }
  if (!a.store.empty()) return std::make_unique<data::StoreReader>(a.store);
  if (a.lengths.empty()) throw UsageError("data plan needs a STORE or --lengths FILE");
  return std::make_unique<data::LengthsFile>(a.lengths);
}

void run_plan(const PlanArgs& a) {
  const auto source = sample_source(a);
  data::PlanOptions o;
  o.method = data::parse_method(a.method);
  o.packer = data::parse_packer(a.packer);
  o.max_tokens = a.max_tokens;
  o.batch_size = a.batch_size;
  o.grad_accum = a.grad_accum;
  o.world_size = a.world_size;
  o.seed = a.seed;
  o.epochs = a.epochs;
  std::optional<data::ModelConfig> model;
  if (!a.model_config.empty()) {
    model = data::read_model_config(a.model_config);
    o.attention_divisor = data::attention_divisor(*model);
  }
  const auto samples = source->samples();
  const data::Plan plan = data::make_plan(samples, o);
  if (!a.output.empty()) data::save_plan(plan, a.output);

  const auto stats = data::plan_stats(plan, samples, model, a.long_from);
  const auto all = data::compare_methods(samples, o, model, a.long_from);
  if (!a.svg.empty()) write_file_atomic(a.svg, data::fill_histogram_svg(stats));
  if (a.json) {
    std::cout << data::report_json(stats, all).dump(2) << '\n';
  } else {
    std::cout << source->name() << ": " << samples.size() << " samples\n"
              << data::report_text(stats, all);
  }
}

void add_plan_command(CLI::App& data) {
  auto a = std::make_shared<PlanArgs>();
  CLI::App* cmd = data.add_subcommand(
      "plan", "Group samples into micro-batches, ranks and optimizer steps (naive, sort or pack)");
  cmd->add_option("STORE", a->store, "Tokenized store written by `data prepare`");
  cmd->add_option("--lengths", a->lengths,
                  "Text file, one sample per line: \"length\" or \"length target_count\"");
  cmd->add_option("--method", a->method, "naive, sort or pack")->required();
  cmd->add_option("--packer", a->packer,
                  "With --method pack: balanced (fill and mix), ffd, bfd or next-fit (LongAlign's)")
      ->capture_default_str();
  cmd->add_option("--max-tokens", a->max_tokens, "Tokens per pack; longest sample allowed")
      ->required();
  cmd->add_option("--batch-size", a->batch_size, "Sequences per batch for naive and sort")
      ->required();
  cmd->add_option("--grad-accum", a->grad_accum, "Micro-batches per rank per optimizer step")
      ->capture_default_str();
  cmd->add_option("--world-size", a->world_size, "Ranks (GPUs)")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of every shuffle")->required();
  cmd->add_option("--epochs", a->epochs, "Epochs, each reshuffled")->capture_default_str();
  cmd->add_option("-o,--output", a->output, "Write the plan (JSON) here");
  cmd->add_flag("--json", a->json, "Print the report as JSON");
  cmd->add_option("--svg", a->svg, "Write an SVG histogram of micro-batch fill here");
  cmd->add_option("--long-from", a->long_from,
                  "Report: samples of this many tokens or more count as long (default "
                  "max-tokens / 8)");
  cmd->add_option("--model-config", a->model_config,
                  "Hugging Face config.json: FLOPs in the report and the rank-balance weights");
  cmd->callback([a] { run_plan(*a); });
}

struct PrepareArgs {
  std::string tokenizer, chat_template, truncate, output;
  std::vector<std::string> files, mix;
  uint32_t max_length = 0;
  uint64_t seed = 0;
  size_t threads = 0;
  bool strict = false, allow_special = false, keep_zero_width = false;
};

void run_prepare(const PrepareArgs& a) {
  data::PrepareOptions o;
  o.tokenizer = a.tokenizer;
  o.chat_template = a.chat_template;
  o.max_length = a.max_length;
  o.truncation = data::parse_truncation(a.truncate);
  for (const auto& f : a.files) o.inputs.push_back({f, 1.0});
  for (const auto& m : a.mix) o.inputs.push_back(data::parse_mix_input(m));
  o.seed = a.seed;
  o.strict = a.strict;
  o.split_special_content = !a.allow_special;
  o.remove_zero_width = !a.keep_zero_width;
  o.threads = a.threads;
  o.progress = ::isatty(STDERR_FILENO) != 0;
  o.output = a.output;
  const data::PrepareReport report = data::prepare_store(o);
  for (const auto& w : report.warnings)
    std::cerr << "warning: skipped malformed line: " << w << '\n';
  if (report.malformed > report.warnings.size()) {
    std::cerr << "warning: " << (report.malformed - report.warnings.size())
              << " more malformed lines skipped\n";
  }
  std::cout << a.output << ":\n" << data::prepare_report_text(report);
}

void add_prepare_command(CLI::App& data) {
  auto a = std::make_shared<PrepareArgs>();
  CLI::App* cmd = data.add_subcommand(
      "prepare", "Tokenize chat JSONL into a tokenized store (ids, target mask, index)");
  cmd->add_option("FILE", a->files, "Chat JSONL inputs (weight 1)");
  cmd->add_option("--tokenizer", a->tokenizer, "Model folder or tokenizer.json")->required();
  cmd->add_option("--template", a->chat_template, "Chat template name")->required();
  cmd->add_option("--max-len", a->max_length, "Longest sample in tokens")->required();
  cmd->add_option("--truncate", a->truncate, "Longer samples: right, left, middle or skip")
      ->required();
  cmd->add_option("--mix", a->mix,
                  "FILE[:WEIGHT]: WEIGHT is the expected copies of each line (0.5 keeps about "
                  "half, 2 writes each twice)");
  cmd->add_option("--seed", a->seed, "Seed of the mixing draws")->capture_default_str();
  cmd->add_flag("--strict", a->strict, "Fail on a malformed line instead of skipping it");
  cmd->add_flag("--allow-special-in-content", a->allow_special,
                "Special tokens typed in messages become special tokens");
  cmd->add_flag("--keep-zero-width", a->keep_zero_width, "Keep zero-width characters in answers");
  cmd->add_option("--threads", a->threads, "Tokenizer threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("-o,--output", a->output, "The store directory to write")->required();
  cmd->callback([a] {
    if (a->files.empty() && a->mix.empty()) throw UsageError("data prepare needs input files");
    run_prepare(*a);
  });
}

struct ShowArgs {
  std::string store, tokenizer;
  size_t limit = 10;
  bool decode = false;
};

void run_show(const ShowArgs& a) {
  const data::StoreReader store(a.store);
  std::optional<text::Tokenizer> tokenizer;
  if (a.decode) {
    // Without --tokenizer, the one the store was made with (its path in meta.json).
    const std::string path =
        a.tokenizer.empty() ? store.meta()["tokenizer"].value("source", "") : a.tokenizer;
    tokenizer = text::Tokenizer::load(path);
  }
  const size_t n = std::min(a.limit, store.size());
  for (size_t i = 0; i < n; ++i) {
    const auto ids = store.ids(i);
    const auto mask = store.mask(i);
    if (!a.decode) {
      Json line = {{"id", i},
                   {"ids", std::vector<uint32_t>(ids.begin(), ids.end())},
                   {"mask", std::vector<uint8_t>(mask.begin(), mask.end())}};
      std::cout << line.dump() << '\n';
      continue;
    }
    // Runs of equal mask decoded together; target runs wrapped in ⟦ ⟧.
    std::string text;
    for (size_t begin = 0; begin < ids.size();) {
      size_t end = begin;
      while (end < ids.size() && mask[end] == mask[begin]) ++end;
      const std::string piece = tokenizer->decode(ids.subspan(begin, end - begin));
      text += mask[begin] ? "\u27e6" + piece + "\u27e7" : piece;
      begin = end;
    }
    std::cout << "--- sample " << i << " (" << ids.size() << " tokens)\n" << text << '\n';
  }
}

void add_show_command(CLI::App& data) {
  auto a = std::make_shared<ShowArgs>();
  CLI::App* cmd =
      data.add_subcommand("show", "Print samples of a store: JSONL ids and mask, or decoded text");
  cmd->add_option("STORE", a->store, "Tokenized store")->required();
  cmd->add_option("--limit", a->limit, "Samples to print")->capture_default_str();
  cmd->add_flag("--decode", a->decode, "Decoded text, target spans wrapped in \u27e6 \u27e7");
  cmd->add_option("--tokenizer", a->tokenizer,
                  "Tokenizer for --decode (default: the one in meta.json)");
  cmd->callback([a] { run_show(*a); });
}

}  // namespace

void add_data_command(CLI::App& app) {
  CLI::App* data =
      app.add_subcommand("data", "Training data: tokenized stores, and plans of batches and packs");
  data->require_subcommand(1);
  add_prepare_command(*data);
  add_show_command(*data);
  add_plan_command(*data);
}

}  // namespace longalign::cli
