#include "text/tokenizer.h"

#include <mutex>

#include "core/error.h"
#include "core/parallel.h"
#include "text/tokenizer_backend.h"
#include "text/unicode.h"

namespace longalign::text {

namespace fs = std::filesystem;

// Scratch states not in use; a caller takes one for the length of an encode call.
class ScratchPool {
 public:
  std::unique_ptr<EncodeScratch> take(const TokenizerBackend& backend) {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto scratch = std::move(free_.back());
        free_.pop_back();
        return scratch;
      }
    }
    return backend.make_scratch();
  }
  void give(std::unique_ptr<EncodeScratch> scratch) {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(scratch));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<EncodeScratch>> free_;
};

Tokenizer::Tokenizer(std::shared_ptr<const TokenizerBackend> backend)
    : backend_(std::move(backend)), scratch_(std::make_shared<ScratchPool>()) {}

Tokenizer Tokenizer::load(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path.string() + ": no such file or directory");
  fs::path file = path;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "tokenizer.json", ec)) {
      file = path / "tokenizer.json";
    } else if (fs::exists(path / "tokenizer.model", ec)) {
      file = path / "tokenizer.model";
    } else {
      throw Error(path.string() + ": no tokenizer.json or tokenizer.model in this directory");
    }
  }
  std::shared_ptr<TokenizerBackend> backend =
      file.extension() == ".model" ? load_sentencepiece(file) : load_hf_tokenizer(file);
  if (const fs::path config = file.parent_path() / "tokenizer_config.json";
      fs::exists(config, ec)) {
    read_tokenizer_config(config, *backend);
  }
  return Tokenizer(std::move(backend));
}

namespace {

std::string_view checked_utf8(std::string_view text, const EncodeOptions& options,
                              std::string& repaired) {
  const auto bad = find_invalid_utf8(text);
  if (!bad) return text;
  if (!options.replace_invalid_utf8) {
    throw Error("invalid UTF-8 at byte " + std::to_string(*bad) + " of the text");
  }
  repaired = to_valid_utf8(text);
  return repaired;
}

}  // namespace

std::vector<TokenId> Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::string repaired;
  const std::string_view valid = checked_utf8(text, options, repaired);
  std::vector<TokenId> ids;
  auto scratch = scratch_->take(*backend_);
  backend_->encode(valid, options, *scratch, ids);
  scratch_->give(std::move(scratch));
  return ids;
}

std::vector<std::vector<TokenId>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          const EncodeOptions& options,
                                                          size_t threads) const {
  std::vector<std::vector<TokenId>> results(texts.size());
  if (threads == 0) threads = default_thread_count();
  std::vector<std::unique_ptr<EncodeScratch>> scratch(threads);
  for (auto& s : scratch) s = scratch_->take(*backend_);
  parallel_for(texts.size(), threads, 16, [&](size_t worker, size_t begin, size_t end) {
    std::string repaired;
    for (size_t i = begin; i < end; ++i) {
      try {
        backend_->encode(checked_utf8(texts[i], options, repaired), options, *scratch[worker],
                         results[i]);
      } catch (const Error& e) {
        throw Error("text " + std::to_string(i) + ": " + e.what());
      }
    }
  });
  for (auto& s : scratch) scratch_->give(std::move(s));
  return results;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skip_special) const {
  return backend_->decode(ids, skip_special);
}

size_t Tokenizer::vocab_size() const {
  return backend_->vocab_size();
}

std::optional<TokenId> Tokenizer::token_to_id(std::string_view token) const {
  return backend_->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(TokenId id) const {
  return backend_->id_to_token(id);
}

bool Tokenizer::is_special(TokenId id) const {
  return backend_->is_special(id);
}

const SpecialTokens& Tokenizer::special_tokens() const {
  return backend_->special;
}

const fs::path& Tokenizer::source() const {
  return backend_->source;
}

}  // namespace longalign::text
