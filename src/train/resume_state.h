// What the trainer reads back from a checkpoint to resume: the "trainer" object of
// trainer_state.json (train/checkpoint.h), checked field by field, since the file may have been
// edited or damaged by hand.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/json.h"

namespace longalign::train {

struct ResumeState {
  int64_t step = 0;       // the step the checkpoint was saved after
  std::string plan_hash;  // store_file_hash of the plan it was trained on
  double seconds = 0;     // training time before the checkpoint
};

// `trainer` is what load_checkpoint returned for `checkpoint_dir` (".../checkpoint-<step>"). Its
// step must be that of the folder, plan_hash a string and seconds, when present, a finite
// non-negative number; anything else is an Error naming trainer_state.json and the field.
ResumeState read_resume_state(const Json& trainer, const std::filesystem::path& checkpoint_dir);

}  // namespace longalign::train
