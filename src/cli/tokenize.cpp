// longalign tokenize: text to ids and ids to text, for people and for scripts.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"
#include "text/tokenizer.h"

namespace longalign::cli {

namespace {

struct TokenizeArgs {
  std::string tokenizer, text, file;
  bool split_special = false, add_special = false, decode = false, jsonl = false;
  bool skip_special = false, replace_invalid = false;
  size_t threads = 0;
};

std::string ids_json(const std::vector<text::TokenId>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

std::vector<text::TokenId> parse_ids(std::string_view line, const std::string& where) {
  const Json j = parse_json_line(line, where);
  if (!j.is_array()) throw Error(where + ": expected a JSON array of token ids");
  std::vector<text::TokenId> ids;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number_unsigned() || j[i].get<uint64_t>() > UINT32_MAX) {
      throw Error(where + ": element " + std::to_string(i) + " is not a token id");
    }
    ids.push_back(j[i].get<text::TokenId>());
  }
  return ids;
}

// Reads JSONL lines in blocks, encodes each block on all cores, prints one array per line.
void encode_jsonl(const text::Tokenizer& tok, std::istream& in, const std::string& name,
                  const text::EncodeOptions& options, size_t threads) {
  constexpr size_t kBlock = 4096;
  std::string line;
  size_t line_no = 0;
  std::vector<std::string> texts;
  const auto flush = [&] {
    // The JSON parser has already rejected ill-formed UTF-8, the one thing encoding can refuse.
    for (const auto& v : tok.encode_batch(texts, options, threads))
      std::cout << ids_json(v) << '\n';
    texts.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = name + ":" + std::to_string(line_no);
    const Json j = parse_json_line(line, where);
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      throw Error(where + ": expected an object with a string field \"text\"");
    }
    texts.push_back(j["text"].get<std::string>());
    if (texts.size() == kBlock) flush();
  }
  flush();
}

void run_tokenize(const TokenizeArgs& a) {
  if (!a.text.empty() && !a.file.empty()) throw UsageError("give --text or --file, not both");
  const auto tok = text::Tokenizer::load(a.tokenizer);
  text::EncodeOptions options;
  options.add_special = a.add_special;
  options.split_special = a.split_special;
  options.replace_invalid_utf8 = a.replace_invalid;
  const std::string name = a.file.empty() ? (a.text.empty() ? "<stdin>" : "--text") : a.file;

  if (a.jsonl) {
    if (!a.text.empty()) throw UsageError("--jsonl reads a file or standard input, not --text");
    std::ifstream file;
    if (!a.file.empty()) {
      file.open(a.file, std::ios::binary);
      if (!file) throw Error(a.file + ": cannot open");
    }
    std::istream& in = a.file.empty() ? std::cin : file;
    if (!a.decode) return encode_jsonl(tok, in, name, options, a.threads);
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
      const auto ids = parse_ids(line, name + ":" + std::to_string(n));
      std::cout << Json(tok.decode(ids, a.skip_special)).dump() << '\n';
    }
    return;
  }
  std::string input = a.text;
  if (!a.file.empty()) {
    input = read_file(a.file);
  } else if (a.text.empty()) {
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (a.decode) {
    std::cout << tok.decode(parse_ids(input, name), a.skip_special) << '\n';
    return;
  }
  try {
    std::cout << ids_json(tok.encode(input, options)) << '\n';
  } catch (const Error& e) {
    throw Error(name + ": " + e.what());
  }
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize", "Encode text to token ids (one JSON array per input) or decode ids to text");
  cmd->add_option("--tokenizer", args->tokenizer,
                  "Model folder, tokenizer.json or SentencePiece .model")
      ->required();
  cmd->add_option("--text", args->text, "Text to encode (or a JSON array of ids with --decode)");
  cmd->add_option("--file", args->file, "Read the input from this file instead of standard input");
  cmd->add_flag("--split-special", args->split_special,
                "Special tokens written in the text stay plain text");
  cmd->add_flag("--add-special", args->add_special, "Add the model's BOS/EOS (post-processor)");
  cmd->add_flag("--decode", args->decode, "Input is a JSON array of ids; print the text");
  cmd->add_flag("--skip-special", args->skip_special, "With --decode, leave special tokens out");
  cmd->add_flag("--jsonl", args->jsonl,
                "Input is JSONL with a \"text\" field; print one array per line (with --decode: "
                "lines of id arrays, print one JSON string per line)");
  cmd->add_flag("--replace-invalid-utf8", args->replace_invalid,
                "Replace ill-formed UTF-8 with U+FFFD instead of failing");
  cmd->add_option("--threads", args->threads, "Threads for --jsonl (0 = all cores)");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace longalign::cli
