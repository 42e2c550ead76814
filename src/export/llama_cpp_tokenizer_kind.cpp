#include "export/llama_cpp_tokenizer_kind.h"

#include "core/error.h"

namespace longalign::gguf {

namespace {

// The split patterns of the byte-level pre-tokenizers llama.cpp implements, as tokenizer.json
// spells them, with llama.cpp's name and whether it takes a word that is a whole token as it is
// (tokenizer.json's model.ignore_merges).
struct KnownPattern {
  const char* pattern;
  const char* pre;
  bool ignore_merges;
};

constexpr KnownPattern kKnownPatterns[] = {
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     "llama-bpe", true},
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     "qwen2", false},
};

// object[key], or null when the object lacks it (const operator[] may not look up a missing key).
const Json& member(const Json& object, const char* key) {
  static const Json null;
  if (!object.is_object()) return null;
  const auto it = object.find(key);
  return it == object.end() ? null : *it;
}

bool is_type(const Json& component, const char* type) {
  return component.is_object() && component.value("type", "") == type;
}

// Llama-2's and Mistral's legacy SentencePiece emulation: the normalizer prepends U+2581 and turns
// every space into one, there is no pre-tokenizer, and unknown characters fall back to bytes.
bool is_sentencepiece_style(const Json& tokenizer) {
  const Json& normalizer = member(tokenizer, "normalizer");
  if (!is_type(normalizer, "Sequence") || !member(tokenizer, "pre_tokenizer").is_null())
    return false;
  const Json& steps = member(normalizer, "normalizers");
  return steps.is_array() && steps.size() == 2 && is_type(steps[0], "Prepend") &&
         steps[0].value("prepend", "") == "\u2581" && is_type(steps[1], "Replace") &&
         member(steps[1], "pattern") == Json{{"String", " "}} &&
         steps[1].value("content", "") == "\u2581";
}

// The Split pattern of a byte-level pipeline: Sequence[Split(Regex, Isolated), ByteLevel without
// its own regex or prefix space]; empty for any other pre-tokenizer.
std::string byte_level_split_pattern(const Json& pre_tokenizer) {
  if (!is_type(pre_tokenizer, "Sequence")) return {};
  const Json& steps = member(pre_tokenizer, "pretokenizers");
  if (!steps.is_array() || steps.size() != 2) return {};
  const Json& split = steps[0];
  const Json& byte_level = steps[1];
  if (!is_type(split, "Split") || split.value("behavior", "") != "Isolated" ||
      split.value("invert", true) || !member(member(split, "pattern"), "Regex").is_string()) {
    return {};
  }
  if (!is_type(byte_level, "ByteLevel") || byte_level.value("add_prefix_space", true) ||
      byte_level.value("use_regex", true)) {
    return {};
  }
  return member(member(split, "pattern"), "Regex").get<std::string>();
}

TokenizerKind byte_level_kind(const Json& tokenizer, const std::string& where) {
  const std::string pattern = byte_level_split_pattern(member(tokenizer, "pre_tokenizer"));
  if (pattern.empty()) {
    throw Error(where + ": pre_tokenizer: not one llama.cpp implements (expected an Isolated " +
                "Split pattern followed by ByteLevel, as Llama-3's and Qwen2's)");
  }
  const KnownPattern* known = nullptr;
  for (const KnownPattern& k : kKnownPatterns) {
    if (pattern == k.pattern) known = &k;
  }
  if (!known) {
    throw Error(where + ": pre_tokenizer: the split pattern " + Json(pattern).dump() +
                " is none of llama.cpp's (Llama-3's llama-bpe, Qwen2's qwen2)");
  }
  const Json& model = member(tokenizer, "model");
  if (model.value("ignore_merges", false) != known->ignore_merges) {
    throw Error(where + ": model.ignore_merges: llama.cpp's " + known->pre + " tokenizer has it " +
                (known->ignore_merges ? "true" : "false"));
  }
  const Json& normalizer = member(tokenizer, "normalizer");
  const bool nfc = is_type(normalizer, "NFC");
  if (!normalizer.is_null() && !nfc) {
    throw Error(where + ": normalizer: " + normalizer.value("type", "?") +
                " is not applied by llama.cpp (only none, or NFC, is accepted)");
  }
  return TokenizerKind{"gpt2", known->pre, nfc};
}

}  // namespace

TokenizerKind llama_cpp_tokenizer_kind(const Json& tokenizer, const std::string& where) {
  const Json& model = json_field(tokenizer, "model", where);
  const std::string type = json_string(model, "type", where + ": model");
  if (type != "BPE") {
    throw Error(where + ": model.type \"" + type + "\": the GGUF export supports BPE tokenizers");
  }
  if (model.value("byte_fallback", false)) {
    if (!is_sentencepiece_style(tokenizer)) {
      throw Error(where + ": normalizer: a byte-fallback BPE needs Llama-2's SentencePiece " +
                  "emulation (Prepend and Replace with U+2581, no pre-tokenizer) for llama.cpp");
    }
    return TokenizerKind{"llama", "default", false};
  }
  return byte_level_kind(tokenizer, where);
}

}  // namespace longalign::gguf
