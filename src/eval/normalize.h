// Answer normalisation and tokenisation for LongBench's automatic metrics, as its metrics.py
// defines them (English: SQuAD-style; Chinese: by character).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace longalign::eval {

// English: lower-case, drop ASCII punctuation, replace the articles a/an/the (whole words) by a
// space, collapse whitespace runs to one space.
std::string normalize_answer(std::string_view s);

// Chinese: lower-case, drop ASCII and CJK punctuation, drop all whitespace.
std::string normalize_zh_answer(std::string_view s);

// Splits on runs of whitespace, as Python's str.split() does; no empty pieces.
std::vector<std::string> split_whitespace(std::string_view s);

// One string per code point.
std::vector<std::string> split_characters(std::string_view s);

}  // namespace longalign::eval
