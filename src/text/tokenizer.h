// The tokenizer a model was trained with, loaded from a Hugging Face tokenizer.json (plus
// tokenizer_config.json) or a SentencePiece .model file, producing exactly the same ids.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace longalign::text {

using TokenId = uint32_t;

// Ids index a model's embedding table; the largest vocabularies have a few hundred thousand
// entries. A file with a larger id is refused rather than allowed to allocate gigabytes.
inline constexpr TokenId kMaxTokenId = (1u << 24) - 1;

struct EncodeOptions {
  // Run the post-processor: the BOS/EOS (or template) tokens the model expects around a text.
  bool add_special = false;
  // Treat special tokens written inside the text as plain text (tiktoken's encode_ordinary), so
  // user content cannot forge a role marker. Non-special added tokens are still matched.
  bool split_special = false;
  // Invalid UTF-8 is an error by default; with this set each ill-formed sequence becomes U+FFFD.
  bool replace_invalid_utf8 = false;
};

// The named special tokens of tokenizer_config.json (or of the SentencePiece model).
struct SpecialTokens {
  std::optional<TokenId> bos, eos, unk, pad;
  std::vector<TokenId> additional;
};

class TokenizerBackend;
class ScratchPool;

class Tokenizer {
 public:
  // `path` is a model folder (tokenizer.json, else tokenizer.model), a tokenizer.json file or a
  // SentencePiece .model file. Throws Error naming the file and the component that failed.
  static Tokenizer load(const std::filesystem::path& path);

  std::vector<TokenId> encode(std::string_view text, const EncodeOptions& options = {}) const;

  // Encodes many texts on `threads` threads (0 = all cores); results are in input order.
  std::vector<std::vector<TokenId>> encode_batch(const std::vector<std::string>& texts,
                                                 const EncodeOptions& options = {},
                                                 size_t threads = 0) const;

  std::string decode(std::span<const TokenId> ids, bool skip_special = false) const;

  size_t vocab_size() const;  // the largest id plus one, added tokens included
  std::optional<TokenId> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(TokenId id) const;
  bool is_special(TokenId id) const;
  const SpecialTokens& special_tokens() const;

  // Where the tokenizer was loaded from (the file actually read).
  const std::filesystem::path& source() const;

 private:
  explicit Tokenizer(std::shared_ptr<const TokenizerBackend> backend);
  std::shared_ptr<const TokenizerBackend> backend_;
  // Word caches kept between calls, so encoding texts one at a time stays fast.
  std::shared_ptr<ScratchPool> scratch_;
};

}  // namespace longalign::text
