// SentencePiece .model files, through libsentencepiece. ChatGLM3 ships one and adds nine special
// tokens after the model's vocabulary in its Python tokenizer; those are added here too when
// tokenizer_config.json names ChatGLMTokenizer, so role markers encode to the ids the model knows.
#include <sentencepiece_processor.h>

#include "core/error.h"
#include "text/added_vocabulary.h"
#include "text/tokenizer_backend.h"

namespace longalign::text {

namespace {

class NoScratch final : public EncodeScratch {
 public:
  std::vector<Segment> segments;
};

bool is_chatglm(const std::filesystem::path& model_file) {
  const auto config = model_file.parent_path() / "tokenizer_config.json";
  std::error_code ec;
  if (!std::filesystem::exists(config, ec)) return false;
  const Json j = read_json_file(config);
  return j.is_object() && j.value("tokenizer_class", "") == "ChatGLMTokenizer";
}

// The special tokens of ChatGLM3's tokenization_chatglm.py, numbered from the model's size.
Json chatglm_added_tokens(size_t first_id) {
  static const char* const names[] = {"[MASK]",   "[gMASK]",       "[sMASK]",
                                      "sop",      "eop",           "<|system|>",
                                      "<|user|>", "<|assistant|>", "<|observation|>"};
  Json tokens = Json::array();
  for (const char* name : names) {
    tokens.push_back(
        {{"content", name}, {"id", first_id++}, {"special", true}, {"normalized", false}});
  }
  return tokens;
}

class SentencePieceTokenizer final : public TokenizerBackend {
 public:
  explicit SentencePieceTokenizer(const std::filesystem::path& file) {
    const auto status = processor_.Load(file.string());
    if (!status.ok())
      throw Error(file.string() + ": not a SentencePiece model: " + status.ToString());
    size_ = static_cast<size_t>(processor_.GetPieceSize());
    const bool chatglm = is_chatglm(file);
    added_ = std::make_unique<AddedVocabulary>(
        chatglm ? chatglm_added_tokens(size_) : Json(nullptr), nullptr, file.string());
    if (chatglm) {
      prefix_ = {static_cast<TokenId>(size_ + 1), static_cast<TokenId>(size_ + 3)};  // [gMASK] sop
    } else if (processor_.bos_id() >= 0) {
      prefix_ = {static_cast<TokenId>(processor_.bos_id())};
    }
    for (const AddedToken& t : added_->tokens()) special_by_id_[t.id] = t.content;
    if (processor_.bos_id() >= 0) special.bos = static_cast<TokenId>(processor_.bos_id());
    if (processor_.eos_id() >= 0) special.eos = static_cast<TokenId>(processor_.eos_id());
    if (processor_.unk_id() >= 0) special.unk = static_cast<TokenId>(processor_.unk_id());
    if (processor_.pad_id() >= 0) special.pad = static_cast<TokenId>(processor_.pad_id());
  }

  std::unique_ptr<EncodeScratch> make_scratch() const override {
    return std::make_unique<NoScratch>();
  }

  void encode(std::string_view text, const EncodeOptions& options, EncodeScratch& scratch,
              std::vector<TokenId>& out) const override {
    if (options.add_special) out.insert(out.end(), prefix_.begin(), prefix_.end());
    auto& segments = static_cast<NoScratch&>(scratch).segments;
    segments.clear();
    added_->split_raw(text, options.split_special, segments);
    std::vector<int> ids;
    for (const Segment& segment : segments) {
      if (segment.id) {
        out.push_back(*segment.id);
        continue;
      }
      const auto status = processor_.Encode(segment.text, &ids);
      if (!status.ok()) throw Error("SentencePiece encode failed: " + status.ToString());
      for (const int id : ids) out.push_back(static_cast<TokenId>(id));
    }
  }

  std::string decode(std::span<const TokenId> ids, bool skip_special) const override {
    std::string text;
    std::vector<int> run;
    const auto flush = [&] {
      std::string piece;
      if (!run.empty() && processor_.Decode(run, &piece).ok()) text += piece;
      run.clear();
    };
    for (const TokenId id : ids) {
      if (const auto it = special_by_id_.find(id); it != special_by_id_.end()) {
        flush();
        if (!skip_special) text += it->second;
      } else if (id < size_) {
        run.push_back(static_cast<int>(id));
      }
    }
    flush();
    return text;
  }

  size_t vocab_size() const override { return size_ + added_->tokens().size(); }

  std::optional<TokenId> token_to_id(std::string_view token) const override {
    for (const AddedToken& t : added_->tokens()) {
      if (t.content == token) return t.id;
    }
    const int id = processor_.PieceToId(token);
    if (id == processor_.unk_id() && token != processor_.IdToPiece(id)) return std::nullopt;
    return static_cast<TokenId>(id);
  }

  std::optional<std::string> id_to_token(TokenId id) const override {
    if (const auto it = special_by_id_.find(id); it != special_by_id_.end()) return it->second;
    if (id >= size_) return std::nullopt;
    return processor_.IdToPiece(static_cast<int>(id));
  }

  bool is_special(TokenId id) const override {
    if (special_by_id_.count(id)) return true;
    return id < size_ && (processor_.IsControl(static_cast<int>(id)) ||
                          processor_.IsUnknown(static_cast<int>(id)));
  }

 private:
  sentencepiece::SentencePieceProcessor processor_;
  std::unique_ptr<AddedVocabulary> added_;
  size_t size_ = 0;
  std::vector<TokenId> prefix_;
  std::unordered_map<TokenId, std::string> special_by_id_;
};

}  // namespace

std::shared_ptr<TokenizerBackend> load_sentencepiece(const std::filesystem::path& model_file) {
  auto backend = std::make_shared<SentencePieceTokenizer>(model_file);
  backend->source = model_file;
  return backend;
}

}  // namespace longalign::text
