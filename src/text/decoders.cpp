// Decoders: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence.
#include "core/error.h"
#include "text/components.h"
#include "text/pattern.h"
#include "text/unicode.h"

namespace longalign::text {

namespace {

// Maps each character back to its byte; a token holding a character outside the table (an added
// token, say) keeps its own bytes. The bytes of all tokens are then read as UTF-8, with U+FFFD for
// ill-formed sequences.
class ByteLevel final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& token : tokens) {
      std::string mapped;
      bool all_mapped = true;
      for (size_t i = 0; i < token.size() && all_mapped;) {
        const auto b = byte_level_byte(next_code_point(token, i));
        if (b) mapped += static_cast<char>(*b);
        all_mapped = b.has_value();
      }
      bytes += all_mapped ? mapped : token;
    }
    tokens.assign(1, to_valid_utf8(bytes));
  }
};

class Metaspace final : public Decoder {
 public:
  Metaspace(const Json& j, const std::string& where)
      : replacement_(json_string(j, "replacement", where)) {
    size_t i = 0;
    if (replacement_.empty() || (next_code_point(replacement_, i), i != replacement_.size())) {
      throw Error(where + ": \"replacement\" must be exactly one character");
    }
    const auto scheme = j.find("prepend_scheme");
    if (scheme != j.end() && scheme->is_string()) {
      strip_first_ = scheme->get<std::string>() != "never";
    } else {
      strip_first_ = json_bool_or(j, "add_prefix_space", true, where);
    }
  }
  // Every replacement character becomes a space, except in the first token, where it was
  // prepended by the pre-tokenizer and is dropped.
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& t = tokens[i];
      for (size_t at = 0; at < t.size();) {
        if (t.compare(at, replacement_.size(), replacement_) == 0) {
          if (!(i == 0 && strip_first_)) out += ' ';
          at += replacement_.size();
        } else {
          out += t[at++];
        }
      }
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string replacement_;
  bool strip_first_ = true;
};

// Runs of <0xXX> tokens become the text their bytes spell, or one U+FFFD per byte when those
// bytes are not well-formed UTF-8.
class ByteFallback final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    const auto flush = [&] {
      if (bytes.empty()) return;
      if (!find_invalid_utf8(bytes)) {
        out.push_back(bytes);
      } else {
        for (size_t k = 0; k < bytes.size(); ++k) out.emplace_back("\xEF\xBF\xBD");
      }
      bytes.clear();
    };
    for (auto& token : tokens) {
      if (const auto b = byte_of(token)) {
        bytes += static_cast<char>(*b);
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static std::optional<unsigned char> byte_of(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return std::nullopt;
    const auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = hex(t[3]), lo = hex(t[4]);
    if (hi < 0 || lo < 0) return std::nullopt;
    return static_cast<unsigned char>(hi * 16 + lo);
  }
};

class Fuse final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class Strip final : public Decoder {
 public:
  Strip(const Json& j, const std::string& where) : content_(json_string(j, "content", where)) {
    const auto count = [&](const char* key) -> size_t {
      const Json& v = json_field(j, key, where);
      if (!v.is_number_unsigned()) throw Error(where + ": \"" + key + "\" must be a count");
      return v.get<size_t>();
    };
    start_ = count("start");
    stop_ = count("stop");
  }
  void decode_chain(std::vector<std::string>& tokens) const override {
    if (content_.empty()) return;
    for (auto& t : tokens) {
      size_t begin = 0, end = t.size();
      for (size_t k = 0; k < start_ && t.compare(begin, content_.size(), content_) == 0; ++k) {
        begin += content_.size();
      }
      for (size_t k = 0; k < stop_ && end >= begin + content_.size() &&
                         t.compare(end - content_.size(), content_.size(), content_) == 0;
           ++k) {
        end -= content_.size();
      }
      t = t.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_ = 0, stop_ = 0;
};

class Replace final : public Decoder {
 public:
  Replace(const Json& j, const std::string& where)
      : pattern_(json_field(j, "pattern", where), where + ".pattern"),
        content_(json_string(j, "content", where)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) t = pattern_.replace_all(t, content_);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class Sequence final : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const Json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = json_string(j, "type", where);
  const std::string here = where + " (" + type + ")";
  if (type == "ByteLevel") return std::make_unique<ByteLevel>();
  if (type == "Metaspace") return std::make_unique<Metaspace>(j, here);
  if (type == "ByteFallback") return std::make_unique<ByteFallback>();
  if (type == "Fuse") return std::make_unique<Fuse>();
  if (type == "Strip") return std::make_unique<Strip>(j, here);
  if (type == "Replace") return std::make_unique<Replace>(j, here);
  if (type == "Sequence") {
    const Json& list = json_field(j, "decoders", here);
    if (!list.is_array()) throw Error(here + ": \"decoders\" must be an array");
    std::vector<std::unique_ptr<Decoder>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto step = make_decoder(list[i], where + ".decoders[" + std::to_string(i) + "]")) {
        steps.push_back(std::move(step));
      }
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw Error(where + ": unsupported decoder \"" + type + "\"");
}

}  // namespace longalign::text
