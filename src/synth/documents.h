// The documents self-instruct asks about: read from a folder of .txt files or from JSONL, named
// by a content hash (so a document is known again in a resumed run and in another input file),
// and measured in the target model's tokens.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer.h"

namespace longalign::synth {

struct Document {
  std::string text;
  std::string source;  // the file name (a folder of .txt files) or the record's "source"
  std::string where;   // "docs/a.txt" or "docs.jsonl:12", for messages
};

// `path` is a folder, whose *.txt files are read in name order (other files are ignored; their
// name is the source), or a JSONL file with one {"text": "...", "source": "..."} object a line
// ("source" optional, defaulting to the file name; other fields ignored; blank lines skipped).
// Throws Error naming the file (and line) for unreadable files, malformed JSON, a missing or
// non-string field, invalid UTF-8, or a folder without .txt files.
std::vector<Document> read_documents(const std::filesystem::path& path);

// 64-bit FNV-1a of the exact text: the document's identity, and the seed of its draws.
uint64_t document_hash(std::string_view text);

// The hash as records carry it ("doc_hash"): 16 lower-case hex digits.
std::string document_hash_hex(uint64_t hash);

// How long documents are. With a tokenizer, its token count (no special tokens added); without
// one, the number of Unicode characters divided by 4, rounded up: about right for English with
// a Llama-sized vocabulary, and an overestimate for Chinese, where a character is often a token
// of its own: pass --tokenizer when the length limits matter. Safe to call from many threads.
class DocumentLength {
 public:
  explicit DocumentLength(std::optional<text::Tokenizer> tokenizer);
  int64_t operator()(std::string_view text) const;

 private:
  std::optional<text::Tokenizer> tokenizer_;
};

}  // namespace longalign::synth
