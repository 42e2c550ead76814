// Which of llama.cpp's tokenizers reproduces a tokenizer.json: llama.cpp does not run
// tokenizer.json's pipeline but its own implementations, picked by tokenizer.ggml.model and
// tokenizer.ggml.pre. Only pipelines known to match one of them exactly are accepted; any other
// is an Error naming the component, rather than a file that tokenizes differently.
#pragma once

#include <string>

#include "core/json.h"

namespace longalign::gguf {

struct TokenizerKind {
  // "llama": SentencePiece-style BPE with byte fallback (Llama-2, Mistral): text prefixed with a
  //          space, spaces as U+2581, merged by score, unknown characters as <0xXX> bytes.
  // "gpt2":  byte-level BPE (Llama-3, Qwen2): split by the pre-tokenizer's pattern, bytes mapped
  //          to printable characters, merged by rank.
  std::string model;
  std::string pre;  // "default" for "llama"; the pattern's name ("llama-bpe", "qwen2") for "gpt2"
  // tokenizer.json normalizes to NFC (Qwen2) and llama.cpp does not: text that is not in NFC is
  // tokenized differently (as by GGUF files of llama.cpp's own converter).
  bool drops_nfc = false;
};

// `tokenizer` is the parsed tokenizer.json; `where` its path, for the messages.
TokenizerKind llama_cpp_tokenizer_kind(const Json& tokenizer, const std::string& where);

}  // namespace longalign::gguf
