// A tokenizer.json pipeline: added tokens, normalizer, pre-tokenizer, BPE, post-processor, decoder.
#include <unordered_set>

#include "core/error.h"
#include "core/file_io.h"
#include "text/added_vocabulary.h"
#include "text/bpe.h"
#include "text/components.h"
#include "text/token_index.h"
#include "text/tokenizer_backend.h"

namespace longalign::text {

namespace {

class BpeScratch final : public EncodeScratch {
 public:
  BpeCache cache;
  std::vector<Segment> segments, normalized_segments;
  std::vector<std::string> pieces;
};

class HfTokenizer final : public TokenizerBackend {
 public:
  HfTokenizer(const Json& j, const std::string& file)
      : normalizer_(make_normalizer(field_or_null(j, "normalizer"), file + ": normalizer")),
        pre_tokenizer_(
            make_pre_tokenizer(field_or_null(j, "pre_tokenizer"), file + ": pre_tokenizer")),
        model_(json_field(j, "model", file), file + ": model"),
        added_(field_or_null(j, "added_tokens"), normalizer_.get(), file + ": added_tokens"),
        post_processor_(
            make_post_processor(field_or_null(j, "post_processor"), file + ": post_processor")),
        decoder_(make_decoder(field_or_null(j, "decoder"), file + ": decoder")) {
    vocab_size_ = model_.size();
    for (const AddedToken& t : added_.tokens()) {
      vocab_size_ = std::max<size_t>(vocab_size_, t.id + 1);
      added_by_id_[t.id] = &t;
      added_by_content_.insert(t.content, t.id);
      if (t.special) special_ids_.insert(t.id);
    }
  }

  std::unique_ptr<EncodeScratch> make_scratch() const override {
    return std::make_unique<BpeScratch>();
  }

  void encode(std::string_view text, const EncodeOptions& options, EncodeScratch& scratch,
              std::vector<TokenId>& out) const override {
    auto& s = static_cast<BpeScratch&>(scratch);
    const size_t first_id = out.size();
    s.segments.clear();
    added_.split_raw(text, options.split_special, s.segments);
    for (const Segment& segment : s.segments) {
      if (segment.id) {
        out.push_back(*segment.id);
        continue;
      }
      std::string normalized(segment.text);
      if (normalizer_) normalizer_->normalize(normalized);
      s.normalized_segments.clear();
      added_.split_normalized(normalized, options.split_special, s.normalized_segments);
      const bool starts_input = segment.text.data() == text.data();
      for (const Segment& piece : s.normalized_segments) {
        if (piece.id) {
          out.push_back(*piece.id);
          continue;
        }
        s.pieces.assign(1, std::string(piece.text));
        const bool first = starts_input && piece.text.data() == normalized.data();
        if (pre_tokenizer_) pre_tokenizer_->split(s.pieces, first);
        for (const auto& word : s.pieces) model_.tokenize(word, s.cache, out);
      }
    }
    if (options.add_special && post_processor_) {
      std::vector<TokenId> ids(out.begin() + static_cast<std::ptrdiff_t>(first_id), out.end());
      post_processor_->process(ids);
      out.resize(first_id);
      out.insert(out.end(), ids.begin(), ids.end());
    }
  }

  std::string decode(std::span<const TokenId> ids, bool skip_special) const override {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const TokenId id : ids) {
      if (skip_special && special_ids_.count(id)) continue;
      if (auto token = id_to_token(id)) tokens.push_back(std::move(*token));
    }
    if (!decoder_) {
      std::string joined;
      for (size_t i = 0; i < tokens.size(); ++i) joined += (i ? " " : "") + tokens[i];
      return joined;
    }
    decoder_->decode_chain(tokens);
    std::string text;
    for (const auto& t : tokens) text += t;
    return text;
  }

  size_t vocab_size() const override { return vocab_size_; }

  std::optional<TokenId> token_to_id(std::string_view token) const override {
    if (const auto id = added_by_content_.find(token)) return id;
    return model_.token_to_id(token);
  }

  std::optional<std::string> id_to_token(TokenId id) const override {
    if (const auto it = added_by_id_.find(id); it != added_by_id_.end()) return it->second->content;
    if (const std::string* token = model_.id_to_token(id); token && !token->empty()) return *token;
    return std::nullopt;
  }

  bool is_special(TokenId id) const override { return special_ids_.count(id) > 0; }

 private:
  static const Json& field_or_null(const Json& j, const char* key) {
    static const Json null_value;
    const auto it = j.find(key);
    return it == j.end() ? null_value : *it;
  }

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  Bpe model_;
  AddedVocabulary added_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  size_t vocab_size_ = 0;
  std::unordered_map<TokenId, const AddedToken*> added_by_id_;
  TokenIndex added_by_content_;
  std::unordered_set<TokenId> special_ids_;
};

}  // namespace

std::shared_ptr<TokenizerBackend> load_hf_tokenizer(const std::filesystem::path& json_file) {
  const std::string file = json_file.string();
  const Json j = read_json_file(json_file);
  if (!j.is_object()) throw Error(file + ": expected a JSON object at the top level");
  try {
    auto backend = std::make_shared<HfTokenizer>(j, file);
    backend->source = json_file;
    return backend;
  } catch (const Json::exception& e) {
    throw Error(file + ": unexpected value: " + e.what());
  }
}

}  // namespace longalign::text
