// The interface behind Tokenizer: one implementation per file format.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer.h"

namespace longalign::text {

// Per-thread state an encoder may keep between calls (a cache of encoded words).
class EncodeScratch {
 public:
  virtual ~EncodeScratch() = default;
};

class TokenizerBackend {
 public:
  virtual ~TokenizerBackend() = default;

  virtual std::unique_ptr<EncodeScratch> make_scratch() const = 0;
  // `text` is valid UTF-8. Appends ids to `out`.
  virtual void encode(std::string_view text, const EncodeOptions& options, EncodeScratch& scratch,
                      std::vector<TokenId>& out) const = 0;
  virtual std::string decode(std::span<const TokenId> ids, bool skip_special) const = 0;

  virtual size_t vocab_size() const = 0;
  virtual std::optional<TokenId> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(TokenId id) const = 0;
  virtual bool is_special(TokenId id) const = 0;

  SpecialTokens special;
  std::filesystem::path source;
};

std::shared_ptr<TokenizerBackend> load_hf_tokenizer(const std::filesystem::path& json_file);
std::shared_ptr<TokenizerBackend> load_sentencepiece(const std::filesystem::path& model_file);

// Fills backend.special from a tokenizer_config.json beside the tokenizer, when there is one.
void read_tokenizer_config(const std::filesystem::path& config_file, TokenizerBackend& backend);

}  // namespace longalign::text
