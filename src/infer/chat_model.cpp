#include "infer/chat_model.h"

#include <algorithm>

#include "core/error.h"
#include "core/json.h"

namespace longalign::infer {
namespace {

data::ChatTemplate detect_template(const text::Tokenizer& tokenizer,
                                   const model::ModelConfig& config) {
  if (tokenizer.token_to_id("<|im_start|>")) return data::ChatTemplate::kChatml;
  if (tokenizer.token_to_id("<|eot_id|>")) return data::ChatTemplate::kLlama3;
  if (config.family == model::Family::chatglm) return data::ChatTemplate::kChatglm3;
  return data::ChatTemplate::kLlama2;
}

// generation_config.json's eos_token_id, a number or a list; none when the file is absent.
std::vector<int32_t> generation_eos(const std::filesystem::path& model_dir) {
  const std::filesystem::path file = model_dir / "generation_config.json";
  if (!std::filesystem::exists(file)) return {};
  const Json json = read_json_file(file);
  const auto it = json.find("eos_token_id");
  if (it == json.end() || it->is_null()) return {};
  const auto id_of = [&](const Json& v) {
    if (!v.is_number_integer()) throw Error(file.string() + ": eos_token_id: expected integers");
    return v.get<int32_t>();
  };
  std::vector<int32_t> ids;
  if (it->is_array()) {
    for (const Json& v : *it) ids.push_back(id_of(v));
  } else {
    ids.push_back(id_of(*it));
  }
  return ids;
}

}  // namespace

ChatModel load_chat_model(const std::filesystem::path& model_dir, const std::string& template_name,
                          const EngineOptions& options) {
  ChatModel model;
  model.tokenizer = std::make_unique<text::Tokenizer>(text::Tokenizer::load(model_dir));
  model.engine = Engine::load(model_dir, options);
  model.chat_template = template_name.empty()
                            ? detect_template(*model.tokenizer, model.engine->config())
                            : data::chat_template_from_name(template_name);
  for (const text::TokenId id : data::end_of_turn_tokens(model.chat_template, *model.tokenizer)) {
    model.stop_tokens.push_back(static_cast<int32_t>(id));
  }
  for (const int32_t id : generation_eos(model_dir)) {
    if (std::find(model.stop_tokens.begin(), model.stop_tokens.end(), id) ==
        model.stop_tokens.end()) {
      model.stop_tokens.push_back(id);
    }
  }
  return model;
}

std::vector<int32_t> chat_prompt(const ChatModel& model,
                                 const std::vector<data::ChatMessage>& messages) {
  const std::vector<text::TokenId> ids =
      data::tokenize_prompt(messages, model.chat_template, *model.tokenizer);
  return std::vector<int32_t>(ids.begin(), ids.end());
}

std::vector<int32_t> middle_truncate(std::vector<int32_t> ids, size_t max_length) {
  if (max_length == 0 || ids.size() <= max_length) return ids;
  // The first half (rounded down) and the last max_length - half tokens.
  const size_t head = max_length / 2, tail = max_length - head;
  ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(head),
            ids.end() - static_cast<std::ptrdiff_t>(tail));
  return ids;
}

}  // namespace longalign::infer
