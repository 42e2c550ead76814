// Post-processors: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence.
// Only the single-sequence form is used here: a training sample or a prompt is one sequence.
#include "core/error.h"
#include "text/components.h"

namespace longalign::text {

namespace {

// The ids before and after the sequence, e.g. [BOS] ... [] for Llama.
class Wrap final : public PostProcessor {
 public:
  Wrap(std::vector<TokenId> before, std::vector<TokenId> after)
      : before_(std::move(before)), after_(std::move(after)) {}
  void process(std::vector<TokenId>& ids) const override {
    ids.insert(ids.begin(), before_.begin(), before_.end());
    ids.insert(ids.end(), after_.begin(), after_.end());
  }

 private:
  std::vector<TokenId> before_, after_;
};

class Nothing final : public PostProcessor {
 public:
  void process(std::vector<TokenId>&) const override {}
};

class Sequence final : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  void process(std::vector<TokenId>& ids) const override {
    for (const auto& step : steps_) step->process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

std::vector<TokenId> special_ids(const Json& specials, const std::string& name,
                                 const std::string& where) {
  const auto it = specials.find(name);
  if (it == specials.end()) {
    throw Error(where + ": template names special token \"" + name +
                "\" missing from special_tokens");
  }
  const Json& ids = json_field(*it, "ids", where + ".special_tokens." + name);
  std::vector<TokenId> out;
  for (const Json& id : ids) {
    if (!id.is_number_unsigned())
      throw Error(where + ".special_tokens." + name + ": ids must be numbers");
    out.push_back(id.get<TokenId>());
  }
  return out;
}

std::unique_ptr<PostProcessor> template_processing(const Json& j, const std::string& where) {
  const Json& single = json_field(j, "single", where);
  const Json& specials = json_field(j, "special_tokens", where);
  if (!single.is_array()) throw Error(where + ": \"single\" must be an array");
  std::vector<TokenId> before, after;
  bool seen_sequence = false;
  for (const Json& piece : single) {
    if (piece.contains("Sequence")) {
      if (seen_sequence) throw Error(where + ": \"single\" names the sequence twice");
      seen_sequence = true;
    } else if (piece.contains("SpecialToken")) {
      const auto ids =
          special_ids(specials, json_string(piece["SpecialToken"], "id", where), where);
      auto& side = seen_sequence ? after : before;
      side.insert(side.end(), ids.begin(), ids.end());
    } else {
      throw Error(where + ": each item of \"single\" must be a Sequence or a SpecialToken");
    }
  }
  return std::make_unique<Wrap>(std::move(before), std::move(after));
}

// BertProcessing and RobertaProcessing: [CLS] sequence [SEP], tokens given as [text, id].
std::unique_ptr<PostProcessor> cls_sep(const Json& j, const std::string& where) {
  const auto id_of = [&](const char* key) {
    const Json& pair = json_field(j, key, where);
    if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_unsigned()) {
      throw Error(where + ": \"" + key + "\" must be [token, id]");
    }
    return pair[1].get<TokenId>();
  };
  return std::make_unique<Wrap>(std::vector<TokenId>{id_of("cls")},
                                std::vector<TokenId>{id_of("sep")});
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const Json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = json_string(j, "type", where);
  const std::string here = where + " (" + type + ")";
  if (type == "TemplateProcessing") return template_processing(j, here);
  if (type == "BertProcessing" || type == "RobertaProcessing") return cls_sep(j, here);
  if (type == "ByteLevel") return std::make_unique<Nothing>();  // only trims offsets
  if (type == "Sequence") {
    const Json& list = json_field(j, "processors", here);
    if (!list.is_array()) throw Error(here + ": \"processors\" must be an array");
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto step =
              make_post_processor(list[i], where + ".processors[" + std::to_string(i) + "]")) {
        steps.push_back(std::move(step));
      }
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw Error(where + ": unsupported post-processor \"" + type + "\"");
}

}  // namespace longalign::text
