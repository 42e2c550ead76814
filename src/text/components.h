// The stages of a Hugging Face tokenizer pipeline, each built from its tokenizer.json object:
//   text -> added tokens split out -> Normalizer -> PreTokenizer -> model (BPE) -> PostProcessor
//   ids  -> tokens -> Decoder -> text
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "text/tokenizer.h"

namespace longalign::text {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

// A pre-tokenizer splits text into pieces (and may rewrite them, as ByteLevel and Metaspace do).
// `first` says whether the text begins the input (Metaspace's prepend_scheme "first").
class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void split(std::vector<std::string>& pieces, bool first) const = 0;
};

// Adds the tokens a model expects around one sequence (BOS, EOS, a template).
class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void process(std::vector<TokenId>& ids) const = 0;
};

// Turns tokens back into text, one step of a chain at a time; the result is their concatenation.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// Factories: `where` is "<file>: <path in the JSON>" so an unsupported or malformed component is
// reported with the file and the component's place. A null JSON value yields nullptr.
std::unique_ptr<Normalizer> make_normalizer(const Json& j, const std::string& where);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j, const std::string& where);
std::unique_ptr<PostProcessor> make_post_processor(const Json& j, const std::string& where);
std::unique_ptr<Decoder> make_decoder(const Json& j, const std::string& where);

// The GPT-2 byte-to-character table ByteLevel uses: printable bytes map to themselves, the rest to
// U+0100 and up, so every byte sequence becomes a printable string.
const std::string& byte_level_char(unsigned char byte);  // the UTF-8 of the mapped character
std::optional<unsigned char> byte_level_byte(char32_t cp);

}  // namespace longalign::text
