// libFuzzer target for plan files (data/plan_file.h), which the trainer replays step by step.
//
// The first byte picks the mode:
//   0x00-0x3F  raw: the rest is a plan file, written to disk and loaded with load_plan.
//   0x40-0xFF  structured: a real plan is made by make_plan from sample lengths and options taken
//              from the input, written with plan_to_json, and then (seven times in eight) one of
//              its values, in the header or deep in a step, is replaced with a value of another
//              type, sign or size.
// A longalign::Error is the right answer to a bad plan. A plan that loads must say exactly what
// the file says: every sample id equal to the file's and below the sample count, K and M matching
// the micro-batches, and writing it again gives the same JSON; an untouched plan loads unchanged.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "data/plan.h"
#include "data/plan_file.h"
#include "fuzz_support.h"

namespace {

namespace data = longalign::data;
using longalign::Json;
using longalign::fuzz::finding;

Json odd_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 8)) {
    case 0:
      return -1;
    case 1:
      return "1";
    case 2:
      return nullptr;
    case 3:
      return 0.5;
    case 4:
      return in.ConsumeIntegral<uint64_t>();
    case 5:
      return Json::array();
    case 6:
      return (uint64_t{1} << 32) + in.ConsumeIntegralInRange<uint64_t>(0, 3);
    case 7:
      return Json::object();
    default:
      return in.ConsumeIntegralInRange<uint64_t>(0, 8);
  }
}

// Replaces one value somewhere in `j` (objects and arrays are walked by choices).
void mutate(Json& j, FuzzedDataProvider& in) {
  Json* at = &j;
  while ((at->is_object() || at->is_array()) && !at->empty() && in.ConsumeIntegralInRange(0, 7)) {
    const size_t pick = in.ConsumeIntegralInRange<size_t>(0, at->size() - 1);
    auto it = at->begin();
    std::advance(it, static_cast<std::ptrdiff_t>(pick));
    at = &*it;
  }
  if (in.ConsumeIntegralInRange(0, 9) == 0 && at->is_array()) {
    at->push_back(odd_value(in));
  } else {
    *at = odd_value(in);
  }
}

Json structured_plan(FuzzedDataProvider& in, bool& untouched) {
  std::vector<data::Sample> samples(in.ConsumeIntegralInRange<size_t>(0, 24));
  for (data::Sample& s : samples) {
    s.length = in.ConsumeIntegralInRange<uint32_t>(1, 300);
    s.targets = in.ConsumeIntegralInRange<uint32_t>(0, s.length);
  }
  data::PlanOptions o;
  o.method = static_cast<data::Method>(in.ConsumeIntegralInRange(0, 2));
  o.packer = static_cast<data::Packer>(in.ConsumeIntegralInRange(0, 3));
  o.max_tokens = in.ConsumeIntegralInRange<uint64_t>(300, 1200);
  o.batch_size = in.ConsumeIntegralInRange<uint32_t>(1, 4);
  o.grad_accum = in.ConsumeIntegralInRange<uint32_t>(1, 3);
  o.world_size = in.ConsumeIntegralInRange<uint32_t>(1, 3);
  o.seed = in.ConsumeIntegral<uint64_t>();
  o.epochs = in.ConsumeIntegralInRange<uint32_t>(1, 2);
  Json j = data::plan_to_json(data::make_plan(samples, o));
  untouched = in.ConsumeIntegralInRange(0, 7) == 0;
  if (!untouched) mutate(j, in);
  return j;
}

void check_loaded(const data::Plan& plan, const Json& j) {
  const Json& steps = j.at("steps");
  if (plan.steps.size() != steps.size()) finding("step count differs from the file");
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const data::Step& step = plan.steps[s];
    uint64_t k = 0, m = 0;
    for (size_t r = 0; r < step.ranks.size(); ++r) {
      for (size_t b = 0; b < step.ranks[r].size(); ++b) {
        const data::MicroBatch& mb = step.ranks[r][b];
        const Json& ids = steps[s].at("ranks")[r][b];
        ++k;
        m += mb.size();
        for (size_t i = 0; i < mb.size(); ++i) {
          if (mb[i] >= plan.sample_count) finding("a sample id past the sample count");
          if (ids[i].get<uint64_t>() != mb[i]) finding("a sample id differs from the file's");
        }
      }
    }
    if (k != step.k || m != step.m) finding("K or M does not match the micro-batches");
  }
  const Json again = data::plan_to_json(plan);
  if (data::plan_to_json(data::plan_from_json(again, "again")) != again) {
    finding("writing a loaded plan and loading it again changes it");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  try {
    if (data[0] < 0x40) {
      const auto path = longalign::fuzz::scratch_dir() / "plan.json";
      longalign::fuzz::write_bytes(
          path, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
      const data::Plan plan = data::load_plan(path);
      check_loaded(plan, longalign::read_json_file(path));
    } else {
      FuzzedDataProvider in(data + 1, size - 1);
      bool untouched = false;
      const Json j = structured_plan(in, untouched);
      const data::Plan plan = data::plan_from_json(j, "plan.json");
      check_loaded(plan, j);
      if (untouched && data::plan_to_json(plan) != j) finding("an untouched plan changed on load");
    }
  } catch (const longalign::Error&) {
    // A clear error is the right answer to a bad plan.
  }
  return 0;
}
