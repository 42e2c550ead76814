#include "data/plan_file.h"

#include "core/error.h"
#include "core/file_io.h"

namespace longalign::data {

namespace {

constexpr uint64_t kFormatVersion = 1;

// A JSON integer that is not negative (parsed text gives unsigned, built objects may give signed).
bool is_count(const Json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

uint64_t get_uint(const Json& object, const char* key, const std::string& where) {
  const Json& v = json_field(object, key, where);
  if (!is_count(v)) {
    throw Error(where + ": \"" + key + "\" must be a non-negative integer");
  }
  return v.get<uint64_t>();
}

uint32_t get_uint32(const Json& object, const char* key, const std::string& where) {
  const uint64_t v = get_uint(object, key, where);
  if (v > UINT32_MAX) throw Error(where + ": \"" + key + "\" is out of range");
  return static_cast<uint32_t>(v);
}

Json header_json(const Plan& plan) {
  const PlanOptions& o = plan.options;
  return Json{{"format", "longalign-plan"},
              {"version", kFormatVersion},
              {"method", method_name(o.method)},
              {"packer", packer_name(o.packer)},
              {"max_tokens", o.max_tokens},
              {"batch_size", o.batch_size},
              {"grad_accum", o.grad_accum},
              {"world_size", o.world_size},
              {"seed", o.seed},
              {"epochs", o.epochs},
              {"attention_divisor", o.attention_divisor},
              {"samples", plan.sample_count}};
}

Plan header_from_json(const Json& h, const std::string& where) {
  if (!h.is_object()) throw Error(where + ": expected an object");
  if (json_string(h, "format", where) != "longalign-plan") {
    throw Error(where + ": \"format\" is not \"longalign-plan\"");
  }
  if (get_uint(h, "version", where) != kFormatVersion) {
    throw Error(where + ": unsupported plan version " + json_field(h, "version", where).dump());
  }
  Plan plan;
  PlanOptions& o = plan.options;
  try {
    o.method = parse_method(json_string(h, "method", where));
    o.packer = parse_packer(json_string(h, "packer", where));
  } catch (const UsageError& e) {
    throw Error(where + ": " + e.what());
  }
  o.max_tokens = get_uint(h, "max_tokens", where);
  o.batch_size = get_uint32(h, "batch_size", where);
  o.grad_accum = get_uint32(h, "grad_accum", where);
  o.world_size = get_uint32(h, "world_size", where);
  o.seed = get_uint(h, "seed", where);
  o.epochs = get_uint32(h, "epochs", where);
  const Json& divisor = json_field(h, "attention_divisor", where);
  if (!divisor.is_number() || !(divisor.get<double>() > 0)) {
    throw Error(where + ": \"attention_divisor\" must be a positive number");
  }
  o.attention_divisor = divisor.get<double>();
  plan.sample_count = get_uint(h, "samples", where);
  return plan;
}

MicroBatch micro_batch_from_json(const Json& j, uint64_t sample_count, const std::string& where) {
  if (!j.is_array()) throw Error(where + ": expected an array of sample ids");
  MicroBatch mb;
  mb.reserve(j.size());
  for (const Json& id : j) {
    // Ids are u32 in a micro-batch (a store holds fewer samples); a larger one would wrap.
    if (!is_count(id) || id.get<uint64_t>() >= sample_count || id.get<uint64_t>() > UINT32_MAX) {
      throw Error(where + ": " + id.dump() + " is not a sample id below " +
                  std::to_string(sample_count));
    }
    mb.push_back(id.get<uint32_t>());
  }
  return mb;
}

Step step_from_json(const Json& j, const Plan& plan, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected an object");
  Step step;
  step.epoch = get_uint32(j, "epoch", where);
  step.k = get_uint(j, "K", where);
  step.m = get_uint(j, "M", where);
  const Json& ranks = json_field(j, "ranks", where);
  if (!ranks.is_array() || ranks.size() != plan.options.world_size) {
    throw Error(where + ": \"ranks\" must be an array of " +
                std::to_string(plan.options.world_size) + " ranks");
  }
  uint64_t k = 0, m = 0;
  for (size_t r = 0; r < ranks.size(); ++r) {
    const std::string at = where + ".ranks[" + std::to_string(r) + "]";
    if (!ranks[r].is_array()) throw Error(at + ": expected an array of micro-batches");
    auto& out = step.ranks.emplace_back();
    for (size_t b = 0; b < ranks[r].size(); ++b) {
      out.push_back(micro_batch_from_json(ranks[r][b], plan.sample_count,
                                          at + "[" + std::to_string(b) + "]"));
      ++k;
      m += out.back().size();
    }
  }
  if (k != step.k || m != step.m) {
    throw Error(where + ": K=" + std::to_string(step.k) + " and M=" + std::to_string(step.m) +
                " do not match its " + std::to_string(k) + " micro-batches of " +
                std::to_string(m) + " sequences");
  }
  return step;
}

}  // namespace

Json plan_to_json(const Plan& plan) {
  Json steps = Json::array();
  for (const Step& s : plan.steps) {
    steps.push_back(Json{{"epoch", s.epoch}, {"K", s.k}, {"M", s.m}, {"ranks", s.ranks}});
  }
  return Json{{"header", header_json(plan)}, {"steps", std::move(steps)}};
}

Plan plan_from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a plan object");
  Plan plan = header_from_json(json_field(j, "header", where), where + ": header");
  const Json& steps = json_field(j, "steps", where);
  if (!steps.is_array()) throw Error(where + ": \"steps\" must be an array");
  for (size_t i = 0; i < steps.size(); ++i) {
    plan.steps.push_back(
        step_from_json(steps[i], plan, where + ": steps[" + std::to_string(i) + "]"));
  }
  return plan;
}

void save_plan(const Plan& plan, const std::filesystem::path& path) {
  write_file_atomic(path, plan_to_json(plan).dump() + "\n");
}

Plan load_plan(const std::filesystem::path& path) {
  return plan_from_json(read_json_file(path), path.string());
}

}  // namespace longalign::data
