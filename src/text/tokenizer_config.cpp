// tokenizer_config.json: which tokens are BOS, EOS, UNK, PAD and the additional special tokens.
#include "core/error.h"
#include "core/json.h"
#include "text/tokenizer_backend.h"

namespace longalign::text {

namespace {

// A token is written either as a string or as an AddedToken object {"content": ...}.
std::optional<std::string> token_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  return std::nullopt;
}

std::optional<TokenId> resolve(const Json& config, const char* key, const TokenizerBackend& backend,
                               const std::string& where) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  const auto text = token_text(*it);
  if (!text) throw Error(where + ": \"" + key + "\" must be a token string or {\"content\": ...}");
  const auto id = backend.token_to_id(*text);
  if (!id) throw Error(where + ": " + key + " \"" + *text + "\" is not in the vocabulary");
  return id;
}

}  // namespace

void read_tokenizer_config(const std::filesystem::path& config_file, TokenizerBackend& backend) {
  const std::string where = config_file.string();
  const Json config = read_json_file(config_file);
  if (!config.is_object()) throw Error(where + ": expected a JSON object at the top level");
  SpecialTokens& special = backend.special;
  if (auto id = resolve(config, "bos_token", backend, where)) special.bos = id;
  if (auto id = resolve(config, "eos_token", backend, where)) special.eos = id;
  if (auto id = resolve(config, "unk_token", backend, where)) special.unk = id;
  if (auto id = resolve(config, "pad_token", backend, where)) special.pad = id;
  if (const auto it = config.find("additional_special_tokens");
      it != config.end() && it->is_array()) {
    for (const Json& token : *it) {
      const auto text = token_text(token);
      const auto id = text ? backend.token_to_id(*text) : std::nullopt;
      if (!id)
        throw Error(where + ": additional_special_tokens: " + token.dump() +
                    " is not in the vocabulary");
      special.additional.push_back(*id);
    }
  }
}

}  // namespace longalign::text
