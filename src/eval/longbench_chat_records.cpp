#include "eval/longbench_chat_records.h"

#include "core/error.h"

namespace longalign::eval {
namespace {

const Json& field(const Json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end()) throw Error(where + ": field \"" + key + "\" is missing");
  return *it;
}

int64_t integer_field(const Json& j, const char* key, const std::string& where) {
  const Json& v = field(j, key, where);
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    throw Error(where + ": field \"" + key + "\" must be a non-negative integer");
  }
  return v.get<int64_t>();
}

std::string string_field(const Json& j, const char* key, const std::string& where) {
  const Json& v = field(j, key, where);
  if (!v.is_string()) throw Error(where + ": field \"" + key + "\" must be a string");
  return v.get<std::string>();
}

std::array<int, kFewShots> order_field(const Json& j, const std::string& where) {
  const Json& v = field(j, "few_shot_order", where);
  std::array<int, kFewShots> order{};
  std::array<bool, kFewShots> seen{};
  const std::string wrong = where + ": field \"few_shot_order\" must be a permutation of 0.." +
                            std::to_string(kFewShots - 1);
  if (!v.is_array() || v.size() != kFewShots) throw Error(wrong);
  for (size_t k = 0; k < kFewShots; ++k) {
    if (!v[k].is_number_integer()) throw Error(wrong);
    const int64_t e = v[k].get<int64_t>();
    if (e < 0 || e >= static_cast<int64_t>(kFewShots) || seen[static_cast<size_t>(e)]) {
      throw Error(wrong);
    }
    seen[static_cast<size_t>(e)] = true;
    order[k] = static_cast<int>(e);
  }
  return order;
}

}  // namespace

Json prediction_json(const ChatPrediction& p) {
  return {{"idx", p.idx},
          {"query", p.query},
          {"prediction", p.prediction},
          {"prompt_tokens", p.prompt_tokens},
          {"completion_tokens", p.completion_tokens},
          {"truncated", p.truncated}};
}

ChatPrediction prediction_from_json(const Json& j, const std::string& where) {
  ChatPrediction p;
  p.idx = integer_field(j, "idx", where);
  p.query = string_field(j, "query", where);
  p.prediction = string_field(j, "prediction", where);
  p.prompt_tokens = integer_field(j, "prompt_tokens", where);
  p.completion_tokens = integer_field(j, "completion_tokens", where);
  const Json& truncated = field(j, "truncated", where);
  if (!truncated.is_boolean()) throw Error(where + ": field \"truncated\" must be true or false");
  p.truncated = truncated.get<bool>();
  return p;
}

Json judgment_json(const ChatJudgment& j) {
  return {{"idx", j.idx},
          {"run", j.run},
          {"few_shot_order", j.order},
          {"reply", j.reply},
          {"score", j.score ? Json(*j.score) : Json(nullptr)},
          {"attempts", j.attempts},
          {"prompt_tokens", j.prompt_tokens},
          {"completion_tokens", j.completion_tokens}};
}

ChatJudgment judgment_from_json(const Json& j, const std::string& where) {
  ChatJudgment out;
  out.idx = integer_field(j, "idx", where);
  out.run = static_cast<int>(integer_field(j, "run", where));
  out.order = order_field(j, where);
  out.reply = string_field(j, "reply", where);
  const Json& score = field(j, "score", where);
  if (!score.is_null() && !score.is_number()) {
    throw Error(where + ": field \"score\" must be a number or null");
  }
  if (score.is_number()) out.score = score.get<double>();
  out.attempts = static_cast<int>(integer_field(j, "attempts", where));
  out.prompt_tokens = integer_field(j, "prompt_tokens", where);
  out.completion_tokens = integer_field(j, "completion_tokens", where);
  return out;
}

}  // namespace longalign::eval
