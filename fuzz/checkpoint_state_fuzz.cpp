// libFuzzer target for a checkpoint's trainer_state.json (train/checkpoint.h, train/resume_state.h)
// as `train --resume` reads it: the checksums that pick the newest intact checkpoint, then the
// optimizer step count and the trainer's own fields.
//
// A real checkpoint of a tiny model is saved once at start-up. For each input its
// trainer_state.json is replaced and the resume path runs on it:
//   0x00-0x3F  raw: the rest is the trainer_state.json.
//   0x40-0xFF  structured: the real trainer_state.json with one value, anywhere in it (format,
//              step, optimizer_steps, the trainer's fields, a file's size or checksum, a file
//              name), replaced with a value of another type, sign or size, or a key removed.
// A checkpoint that latest_valid_checkpoint passes over, or that load_checkpoint or
// read_resume_state refuses with a longalign::Error, is a right answer. One it picks must load,
// and a trainer state it accepts must resume at the checkpoint's own step.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"
#include "fuzz_support.h"
#include "model/config.h"
#include "model/parameters.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/resume_state.h"

namespace {

namespace fs = std::filesystem;
namespace model = longalign::model;
namespace train = longalign::train;
using longalign::Json;
using longalign::fuzz::finding;

constexpr int64_t kStep = 12;

struct Saved {
  model::ModelConfig config;
  std::unique_ptr<model::Parameters> params;
  std::unique_ptr<train::AdamW> optimizer;
  fs::path out_dir, dir;
  std::string state;  // the trainer_state.json as saved
};
Saved* g_saved = nullptr;

void save_once() {
  static Saved saved;
  saved.config =
      model::parse_config(longalign::parse_json(
                              R"({"model_type": "llama", "hidden_size": 8, "num_hidden_layers": 1,
              "num_attention_heads": 2, "intermediate_size": 8, "vocab_size": 11,
              "max_position_embeddings": 32, "rms_norm_eps": 1e-5})",
                              "config.json"),
                          "config.json");
  saved.params = std::make_unique<model::Parameters>(saved.config);
  model::init_parameters(*saved.params, saved.config, 7);
  saved.optimizer =
      std::make_unique<train::AdamW>(saved.config, saved.params->size(), train::AdamWOptions{});
  saved.out_dir = longalign::fuzz::scratch_dir() / "run";
  const Json trainer = {{"step", kStep}, {"plan_hash", "00ff00ff00ff00ff"}, {"seconds", 3.5}};
  saved.dir = train::save_checkpoint(
      saved.out_dir, kStep,
      {&saved.config, saved.params.get(), saved.optimizer.get(), trainer, fs::path()}, 0);
  saved.state = longalign::read_file(saved.dir / "trainer_state.json");
  g_saved = &saved;
}

Json odd_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 8)) {
    case 0:
      return -1;
    case 1:
      return "12";
    case 2:
      return nullptr;
    case 3:
      return 12.5;
    case 4:
      return in.ConsumeIntegral<int64_t>();
    case 5:
      return Json::array();
    case 6:
      return Json::object();
    case 7:
      return 1e308;
    default:
      return in.ConsumeIntegralInRange<int64_t>(0, 16);
  }
}

std::string structured_state(FuzzedDataProvider& in) {
  Json state = longalign::parse_json(g_saved->state, "trainer_state.json");
  Json* at = &state;
  Json* parent = nullptr;
  std::string key;
  while (at->is_object() && !at->empty() && in.ConsumeIntegralInRange(0, 5)) {
    auto it = at->begin();
    std::advance(it, in.ConsumeIntegralInRange<std::ptrdiff_t>(
                         0, static_cast<std::ptrdiff_t>(at->size()) - 1));
    parent = at;
    key = it.key();
    at = &it.value();
  }
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0:
      if (parent) parent->erase(key);
      break;
    case 1:
      if (parent) {
        const Json moved = *at;
        parent->erase(key);
        (*parent)[in.ConsumeBool() ? "../config.json" : ""] = moved;
      }
      break;
    default:
      *at = odd_value(in);
  }
  return state.dump(2);
}

void resume(const std::string& state_text) {
  longalign::fuzz::write_bytes(g_saved->dir / "trainer_state.json", state_text);
  std::vector<std::string> skipped;
  const auto latest = train::latest_valid_checkpoint(g_saved->out_dir, &skipped);
  if (!latest) {
    if (skipped.empty()) finding("a checkpoint was passed over without a reason");
    return;
  }
  model::Parameters params(g_saved->config);
  train::AdamW optimizer(g_saved->config, params.size(), train::AdamWOptions{});
  const Json trainer = train::load_checkpoint(*latest, g_saved->config, params, optimizer);
  if (optimizer.steps() < 0) finding("a negative optimizer step count was loaded");
  const train::ResumeState resumed = train::read_resume_state(trainer, *latest);
  if (resumed.step != kStep) finding("resumed at another step than the checkpoint's");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  try {
    save_once();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot save the checkpoint: %s\n", e.what());
    std::exit(1);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  try {
    if (data[0] < 0x40) {
      resume(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
    } else {
      FuzzedDataProvider in(data + 1, size - 1);
      resume(structured_state(in));
    }
  } catch (const longalign::Error&) {
    // A clear error is the right answer to a bad trainer state.
  }
  return 0;
}
