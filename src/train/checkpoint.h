// Training checkpoints: OUT/checkpoint-<step>/ holds a Hugging Face model folder (config.json,
// fp32 model.safetensors, the tokenizer files of the source model), optimizer.safetensors (AdamW's
// two moments) and trainer_state.json (the step, whatever the trainer needs to resume, and a
// checksum of every file). A checkpoint is written into a temporary folder and renamed into
// place, so a crash leaves either no checkpoint or a whole one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "model/config.h"
#include "model/parameters.h"
#include "train/adamw.h"

namespace longalign::train {

struct CheckpointContents {
  const model::ModelConfig* config = nullptr;
  const model::Parameters* params = nullptr;
  const AdamW* optimizer = nullptr;
  Json trainer_state = Json::object();     // stored under "trainer" in trainer_state.json
  std::filesystem::path tokenizer_source;  // model folder whose tokenizer files are copied along
};

// Writes OUT/checkpoint-<step> (replacing one of the same step), then deletes checkpoints newer
// than `step` (left by a run that was resumed from before them), the oldest beyond keep_last (0
// keeps all) and folders of unfinished saves. Returns the checkpoint's folder.
std::filesystem::path save_checkpoint(const std::filesystem::path& out_dir, int64_t step,
                                      const CheckpointContents& contents, int keep_last);

// The checkpoint folders in OUT, by step, oldest first.
std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& out_dir);

// The newest checkpoint whose files are all present and match their checksums. Each newer one that
// does not is described in `skipped` ("checkpoint-40: model.safetensors: checksum mismatch"), and
// so is each folder of an unfinished save, which is never a candidate.
std::optional<std::filesystem::path> latest_valid_checkpoint(const std::filesystem::path& out_dir,
                                                             std::vector<std::string>* skipped);

// Loads a checkpoint into params and optimizer (both already shaped for config); returns the
// "trainer" object of its trainer_state.json. Checksums are not verified here: pick `dir` with
// latest_valid_checkpoint.
Json load_checkpoint(const std::filesystem::path& dir, const model::ModelConfig& config,
                     model::Parameters& params, AdamW& optimizer);

}  // namespace longalign::train
