// Reads the questions out of a model's reply to "write N questions as a numbered list". Models
// format lists in many ways, so the parser accepts:
//   numbers with a delimiter:  "1: ", "1. ", "1) ", "1、", "1．", "1：", "1）"
//   numbers in brackets:       "(1) ", "（1）"
//   a question prefix:         "Q1: ", "Q1. ", "Question 1: ", "问题1：", "Q1 "
//   bullets:                   "- ", "* ", "• "
// with indentation, markdown bold around the marker or the question ("**1.** ...", "1. **...**"),
// text before and after the list, blank lines between items, and items wrapped over several lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace longalign::synth {

// The items in order, each trimmed and on one line (wrapped lines joined), exact repeats dropped.
//
// The list is numbered when any line is (the prompts ask for numbers); bullets then mark
// sub-points or an introduction and are dropped. Bullets make the list only when no line is
// numbered. A line without a marker continues the item
// above it only when no blank line came between and the item does not yet end a sentence (with
// ? . ! or their full-width forms): that joins a question wrapped mid-sentence, and leaves out a
// remark written right after the list. Numbers have one or two digits and a "." or ":" must not
// be followed by a digit, so "2023. It rained" and "10:30" are text, not items.
std::vector<std::string> parse_question_list(std::string_view reply);

}  // namespace longalign::synth
