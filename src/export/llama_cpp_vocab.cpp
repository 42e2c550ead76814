#include "export/llama_cpp_vocab.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"
#include "export/llama_cpp_tokenizer_kind.h"
#include "text/tokenizer.h"

namespace longalign::gguf {

namespace fs = std::filesystem;

namespace {

fs::path tokenizer_json_path(const fs::path& model_dir) {
  const fs::path file = model_dir / "tokenizer.json";
  if (fs::exists(file)) return file;
  if (fs::exists(model_dir / "tokenizer.model")) {
    throw Error(file.string() + ": missing; the GGUF export reads tokenizer.json, and a " +
                "SentencePiece tokenizer.model alone is not supported");
  }
  throw Error(file.string() + ": missing; a GGUF file carries the model's tokenizer (copy " +
              "tokenizer.json and tokenizer_config.json into the folder, or use `longalign " +
              "model init --tokenizer`)");
}

// The added tokens of tokenizer.json by id, with their "special" flag.
std::unordered_map<text::TokenId, bool> added_tokens(const Json& tokenizer,
                                                     const std::string& where) {
  std::unordered_map<text::TokenId, bool> added;
  const auto it = tokenizer.find("added_tokens");
  if (it == tokenizer.end() || it->is_null()) return added;
  if (!it->is_array()) throw Error(where + ": added_tokens: expected an array");
  for (const Json& token : *it) {
    if (!token.is_object() || !token.contains("id") || !token["id"].is_number_unsigned()) {
      throw Error(where + ": added_tokens: " + token.dump() + ": expected {\"id\", ...}");
    }
    added[token["id"].get<text::TokenId>()] = token.value("special", false);
  }
  return added;
}

// "<0x0A>": the form llama.cpp looks byte-fallback tokens up by (upper-case hex).
std::string byte_token(unsigned byte) {
  char name[8];
  std::snprintf(name, sizeof name, "<0x%02X>", byte);
  return name;
}

// One entry per embedding row, with llama.cpp's token type. Ids the tokenizer does not name
// become "[PAD<id>]" (as llama.cpp's converter pads), which must not clash with a real token.
void collect_tokens(const text::Tokenizer& tokenizer, const Json& json, int64_t vocab_size,
                    const std::string& where, LlamaCppVocab& out) {
  if (static_cast<int64_t>(tokenizer.vocab_size()) > vocab_size) {
    throw Error(where + ": " + std::to_string(tokenizer.vocab_size()) +
                " tokens, more than config.json's vocab_size " + std::to_string(vocab_size));
  }
  const auto added = added_tokens(json, where);
  const Json& model = json.at("model");
  const std::string unk = model.contains("unk_token") && model["unk_token"].is_string()
                              ? model["unk_token"].get<std::string>()
                              : std::string();
  std::unordered_set<std::string> byte_tokens;
  if (out.model == "llama") {
    for (unsigned b = 0; b < 256; ++b) byte_tokens.insert(byte_token(b));
  }
  std::unordered_map<std::string, int64_t> seen;
  for (int64_t id = 0; id < vocab_size; ++id) {
    const auto token = tokenizer.id_to_token(static_cast<text::TokenId>(id));
    std::string text = token ? *token : "[PAD" + std::to_string(id) + "]";
    int32_t type = kUnused;
    if (token) {
      const auto a = added.find(static_cast<text::TokenId>(id));
      if (a != added.end()) {
        type = a->second ? kControl : kUserDefined;
      } else if (byte_tokens.count(text)) {
        type = kByte;
      } else {
        type = text == unk ? kUnknown : kNormal;
      }
    }
    if (text.empty()) throw Error(where + ": token " + std::to_string(id) + " is empty");
    const auto [it, fresh] = seen.emplace(text, id);
    if (!fresh) {
      throw Error(where + ": token " + Json(text).dump() + " has two ids, " +
                  std::to_string(it->second) + " and " + std::to_string(id) +
                  " (llama.cpp looks tokens up by text)");
    }
    out.tokens.push_back(std::move(text));
    out.token_types.push_back(type);
  }
  for (unsigned b = 0; b < 256 && out.model == "llama"; ++b) {
    if (!seen.count(byte_token(b))) {
      throw Error(where + ": no byte-fallback token " + byte_token(b) +
                  " (llama.cpp needs all 256 to encode unknown characters)");
    }
  }
}

// tokenizer.json's merges, "left right" or ["left", "right"], as (left, right) pairs.
std::vector<std::pair<std::string, std::string>> read_merges(const Json& json,
                                                             const std::string& where) {
  const Json& merges = json_field(json.at("model"), "merges", where + ": model");
  if (!merges.is_array()) throw Error(where + ": model.merges: expected an array");
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const Json& m = merges[rank];
    const std::string at = where + ": model.merges[" + std::to_string(rank) + "]";
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
        throw Error(at + ": " + m.dump() + " is not two tokens separated by one space");
      }
      out.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      out.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      throw Error(at + ": " + m.dump() + " is not a merge");
    }
  }
  return out;
}

// gpt2: the merges as llama.cpp reads them, "left right" split at the space. Byte-level tokens
// never hold a space (it is mapped to U+0120), so the split is unambiguous.
void set_merges(const Json& json, const std::string& where, LlamaCppVocab& out) {
  for (const auto& [left, right] : read_merges(json, where)) {
    if (left.find(' ') != std::string::npos || right.find(' ') != std::string::npos) {
      throw Error(where + ": model.merges: " + Json({left, right}).dump() +
                  " holds a space, which llama.cpp's merge list cannot represent");
    }
    out.merges.push_back(left + " " + right);
  }
}

// llama: llama.cpp's SentencePiece tokenizer repeatedly merges the adjacent pair whose
// concatenation is the vocabulary entry with the highest score (leftmost on ties), where BPE
// applies the merge of lowest rank (leftmost on ties). Scoring each token by minus the rank of the
// first merge that makes it gives the same order; tokens no merge makes score below them all.
void set_scores(const text::Tokenizer& tokenizer, const Json& json, const std::string& where,
                LlamaCppVocab& out) {
  const auto merges = read_merges(json, where);
  const float unmerged = -static_cast<float>(merges.size()) - 1.0f;
  out.scores.assign(out.tokens.size(), unmerged);
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string merged = merges[rank].first + merges[rank].second;
    const auto id = tokenizer.token_to_id(merged);
    if (!id || *id >= out.scores.size()) {
      throw Error(where + ": model.merges[" + std::to_string(rank) + "] makes " +
                  Json(merged).dump() + ", which is not in the vocabulary");
    }
    out.scores[*id] = std::max(out.scores[*id], -static_cast<float>(rank));
  }
}

// add_bos/add_eos from what our tokenizer's post-processor does to a text: llama.cpp can add one
// BOS before and one EOS after, nothing else.
void probe_added_specials(const text::Tokenizer& tokenizer, const std::string& where,
                          LlamaCppVocab& out) {
  const std::vector<text::TokenId> plain = tokenizer.encode("a");
  const std::vector<text::TokenId> with = tokenizer.encode("a", {.add_special = true});
  const auto at = std::search(with.begin(), with.end(), plain.begin(), plain.end());
  const size_t before = static_cast<size_t>(at - with.begin());
  const size_t after = with.size() - before - plain.size();
  if (at == with.end() || before > 1 || after > 1) {
    throw Error(where + ": post_processor: adds " + Json(with).dump() + " around " +
                Json(plain).dump() + "; llama.cpp can add only one BOS before and one EOS after");
  }
  out.add_bos = before == 1;
  out.add_eos = after == 1;
  if (out.add_bos) out.bos = with.front();
  if (out.add_eos) out.eos = with.back();
}

// The tokenizer's special tokens; config.json's ids where the tokenizer names none.
void set_special_ids(const text::Tokenizer& tokenizer, const Json& config, LlamaCppVocab& out) {
  const text::SpecialTokens& s = tokenizer.special_tokens();
  auto from_config = [&](const char* key) -> std::optional<uint32_t> {
    const auto it = config.find(key);
    if (it == config.end() || !it->is_number_unsigned()) return std::nullopt;
    const uint64_t id = it->get<uint64_t>();
    if (id >= out.tokens.size()) return std::nullopt;
    return static_cast<uint32_t>(id);
  };
  out.bos = s.bos ? s.bos : from_config("bos_token_id");
  out.eos = s.eos ? s.eos : from_config("eos_token_id");
  out.pad = s.pad ? s.pad : from_config("pad_token_id");
  out.unk = s.unk;
}

// tokenizer_config.json's chat_template (a string, or a list of named templates of which
// "default" is the one llama.cpp uses), else chat_template.jinja beside it.
std::string read_chat_template(const fs::path& model_dir) {
  const fs::path config_file = model_dir / "tokenizer_config.json";
  if (fs::exists(config_file)) {
    const Json config = read_json_file(config_file);
    const auto it = config.find("chat_template");
    if (it != config.end() && it->is_string()) return it->get<std::string>();
    if (it != config.end() && it->is_array()) {
      for (const Json& entry : *it) {
        if (entry.is_object() && entry.value("name", "") == "default" &&
            entry.contains("template") && entry["template"].is_string()) {
          return entry["template"].get<std::string>();
        }
      }
      throw Error(config_file.string() + ": chat_template: a list without a \"default\" template");
    }
    if (it != config.end() && !it->is_null()) {
      throw Error(config_file.string() + ": chat_template: expected a string or a list");
    }
  }
  const fs::path jinja = model_dir / "chat_template.jinja";
  return fs::exists(jinja) ? read_file(jinja) : std::string();
}

}  // namespace

LlamaCppVocab read_llama_cpp_vocab(const fs::path& model_dir, const model::ModelConfig& config) {
  const fs::path json_file = tokenizer_json_path(model_dir);
  const std::string where = json_file.string();
  const Json json = read_json_file(json_file);
  const TokenizerKind kind = llama_cpp_tokenizer_kind(json, where);
  const text::Tokenizer tokenizer = text::Tokenizer::load(json_file);

  LlamaCppVocab out;
  out.model = kind.model;
  out.pre = kind.pre;
  collect_tokens(tokenizer, json, config.vocab, where, out);
  if (out.model == "llama") {
    set_scores(tokenizer, json, where, out);
  } else {
    set_merges(json, where, out);
  }
  set_special_ids(tokenizer, config.source, out);
  probe_added_specials(tokenizer, where, out);
  out.chat_template = read_chat_template(model_dir);
  if (kind.drops_nfc) {
    out.notes.push_back(
        "llama.cpp does not apply tokenizer.json's NFC normalizer: text not in NFC may tokenize "
        "differently");
  }
  return out;
}

void add_vocab_metadata(Writer& writer, const LlamaCppVocab& vocab) {
  writer.add_string("tokenizer.ggml.model", vocab.model);
  writer.add_string("tokenizer.ggml.pre", vocab.pre);
  writer.add_strings("tokenizer.ggml.tokens", vocab.tokens);
  if (!vocab.scores.empty()) writer.add_f32s("tokenizer.ggml.scores", vocab.scores);
  writer.add_i32s("tokenizer.ggml.token_type", vocab.token_types);
  if (!vocab.merges.empty()) writer.add_strings("tokenizer.ggml.merges", vocab.merges);
  const std::pair<const char*, std::optional<uint32_t>> ids[] = {
      {"tokenizer.ggml.bos_token_id", vocab.bos},
      {"tokenizer.ggml.eos_token_id", vocab.eos},
      {"tokenizer.ggml.unknown_token_id", vocab.unk},
      {"tokenizer.ggml.padding_token_id", vocab.pad},
  };
  for (const auto& [key, id] : ids) {
    if (id) writer.add_u32(key, *id);
  }
  writer.add_bool("tokenizer.ggml.add_bos_token", vocab.add_bos);
  writer.add_bool("tokenizer.ggml.add_eos_token", vocab.add_eos);
  if (!vocab.chat_template.empty())
    writer.add_string("tokenizer.chat_template", vocab.chat_template);
}

}  // namespace longalign::gguf
