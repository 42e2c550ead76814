// A predictions file: JSONL, one record per sample with the model's answer, the reference answers
// and, optionally, the context length and the task's class labels (LongBench's pred/*.jsonl).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace longalign::eval {

struct PredictionFields {
  std::string pred = "pred";
  std::string answers = "answers";  // an array of strings, or one string
  std::string length = "length";    // optional: a number
  std::string classes = "all_classes";
  bool need_classes = false;  // the classification metric reads the labels
};

struct PredictionRecord {
  size_t line = 0;  // 1-based line in the file
  std::string prediction;
  std::vector<std::string> answers;
  std::optional<double> length;
  std::vector<std::string> classes;
};

// Reads every non-blank line; throws Error naming the file, the line and the field on malformed
// JSON, a missing field or one of the wrong type.
std::vector<PredictionRecord> read_predictions(const std::filesystem::path& file,
                                               const PredictionFields& fields);

}  // namespace longalign::eval
