// A model folder's tokenizer (tokenizer.json with tokenizer_config.json) as llama.cpp's vocabulary:
// the tokenizer.* metadata of a GGUF file, built so that llama.cpp's tokenizer gives the same ids
// as ours (text::Tokenizer) for the same text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "export/gguf_writer.h"
#include "model/config.h"

namespace longalign::gguf {

// llama.cpp's token types (llama_token_type).
enum TokenType : int32_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct LlamaCppVocab {
  std::string model;  // tokenizer.ggml.model: "llama" or "gpt2" (llama_cpp_tokenizer_kind.h)
  std::string pre;    // tokenizer.ggml.pre
  std::vector<std::string> tokens;  // one per embedding row; ids no tokenizer file names are
                                    // "[PAD<id>]", of type kUnused
  std::vector<int32_t> token_types;
  std::vector<float> scores;        // "llama" only: the merge order, as llama.cpp merges by score
  std::vector<std::string> merges;  // "gpt2" only: "left right", in rank order
  std::optional<uint32_t> bos, eos, unk, pad;
  bool add_bos = false, add_eos = false;  // what our tokenizer adds around a text
  std::string chat_template;              // empty when the folder has none
  std::vector<std::string> notes;         // what a user should know about the result
};

// The token list has one entry per embedding row (config.vocab); config.json's bos_token_id,
// eos_token_id and pad_token_id stand in where the tokenizer names none. Every problem is an Error
// naming the file and the field or token.
LlamaCppVocab read_llama_cpp_vocab(const std::filesystem::path& model_dir,
                                   const model::ModelConfig& config);

void add_vocab_metadata(Writer& writer, const LlamaCppVocab& vocab);

}  // namespace longalign::gguf
