// longalign demo: the job `make demo` runs. Until the trainer exists it tokenizes a built-in
// multilingual sample with each given tokenizer and prints what a user would want to know.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "core/parallel.h"
#include "text/tokenizer.h"

namespace longalign::cli {

namespace {

// Our own sample: prose, code, Chinese, Japanese, emoji, numbers and odd white space.
const char* const kSample[] = {
    "Long-context alignment teaches a model to follow instructions over documents of tens of "
    "thousands of tokens. Packing several sequences into one batch, and weighting the loss so "
    "every "
    "sequence counts the same, keeps training fast without tilting it toward the longest answers.",
    "int main(int argc, char** argv) {\n\tfor (int i = 0; i < argc; ++i) {\n\t\tprintf(\"%s\\n\", "
    "argv[i]);\n\t}\n\treturn 0;\n}\n",
    "长上下文对齐让模型能够在数万个词元的文档上遵循指令。我们把多条序列打包在一起训练。",
    "長い文脈での調整は、数万トークンの文書に対して指示に従うことをモデルに教えます。",
    "Prices rose 3.75% to $1,234,567.89 on 2024-01-31 — I'M SURE THEY'LL FALL. "
    "👩🏽‍💻🚀 "
    "café "
    "naïve",
    "  indented   text\r\nwith CRLF\r\n\n\n\tand tabs\t\t end  ",
};

std::string sample_text(size_t copies) {
  std::string all;
  for (size_t c = 0; c < copies; ++c) {
    for (const char* part : kSample) (all += part) += "\n\n";
  }
  return all;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void report(const std::string& path) {
  const auto tok = text::Tokenizer::load(path);
  const std::string one = sample_text(1);
  const auto ids = tok.encode(one);
  const bool round_trip = tok.decode(ids) == one;

  // Throughput over ~4 MB split into paragraphs, as a dataset would arrive.
  std::vector<std::string> texts;
  size_t bytes = 0;
  while (bytes < (4u << 20)) {
    for (const char* part : kSample) {
      texts.emplace_back(std::string(part) + " " + std::to_string(texts.size()));
      bytes += texts.back().size();
    }
  }
  // Each timing gets a freshly loaded tokenizer, so neither starts with the other's word cache.
  const auto timed = [&](size_t threads, std::vector<std::vector<text::TokenId>>& ids) {
    const auto fresh = text::Tokenizer::load(path);
    const auto start = std::chrono::steady_clock::now();
    ids = fresh.encode_batch(texts, {}, threads);
    return seconds_since(start);
  };
  std::vector<std::vector<text::TokenId>> single, multi;
  const double t1 = timed(1, single);
  const double tn = timed(0, multi);

  std::printf("%s\n", tok.source().c_str());
  std::printf("  vocabulary        %zu tokens\n", tok.vocab_size());
  std::printf("  sample            %zu bytes -> %zu tokens (%.2f bytes/token)\n", one.size(),
              ids.size(), static_cast<double>(one.size()) / static_cast<double>(ids.size()));
  std::printf("  first ids         ");
  for (size_t i = 0; i < std::min<size_t>(12, ids.size()); ++i) std::printf("%u ", ids[i]);
  std::printf("...\n  decode(encode(x)) %s\n", round_trip ? "== x" : "!= x (lossy normalizer)");
  std::printf("  speed             %.1f MB/s on 1 thread, %.1f MB/s on %zu threads%s\n",
              static_cast<double>(bytes) / 1e6 / t1, static_cast<double>(bytes) / 1e6 / tn,
              default_thread_count(), single == multi ? "" : " (RESULTS DIFFER)");
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto paths = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Tokenize a built-in multilingual sample and print statistics for each tokenizer");
  cmd->add_option("--tokenizer", *paths, "Model folder, tokenizer.json or .model (repeatable)")
      ->required();
  cmd->callback([paths] {
    for (const auto& p : *paths) report(p);
  });
}

}  // namespace longalign::cli
