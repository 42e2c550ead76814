// LongBench-Chat's published files, read from one folder: test_cases.json (the questions),
// few_shots.json (three hand-scored answers per question) and prompt_fs.txt (the judge's
// instructions). Every error names the file and the field.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "eval/judge_prompt.h"

namespace longalign::eval {

struct ChatCase {
  int64_t idx = 0;     // 1-based; few_shots.json's entry idx - 1 belongs to it
  std::string query;   // the question alone: what the judge reads
  std::string prompt;  // the long document with the question: what the model answers
  std::string answer;  // the reference answer
  std::array<FewShotAnswer, kFewShots> few_shots;
};

struct LongBenchChatData {
  std::vector<ChatCase> cases;  // in the file's order
  JudgeTemplate judge_template;
};

// test_cases.json: a JSON array of {"idx", "query", "prompt", "answer"} objects (the published
// layout), or the same objects one per line (JSONL). Other fields are ignored; idx must be a
// positive integer, unique.
std::vector<ChatCase> read_test_cases(const std::filesystem::path& file);

// few_shots.json: an array whose entry idx - 1 holds idx's three {"answer", "score"} objects,
// as the published evaluation script reads it. Fills each case's few_shots.
void read_few_shots(const std::filesystem::path& file, std::vector<ChatCase>& cases);

// The three files of `dir`.
LongBenchChatData load_longbench_chat(const std::filesystem::path& dir);

}  // namespace longalign::eval
