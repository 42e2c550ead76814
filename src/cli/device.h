// --device for the commands that run the training engine (train, score, bench step).
#pragma once

#include <string>

#include "train/engine.h"

namespace longalign::cli {

// "cpu", "cuda", or "auto" (the default): the CUDA engine when this build has it and a GPU is
// visible, else the CPU engine. "cuda" without either is an Error that says which is missing.
train::EngineFactory engine_for_device(const std::string& device);

// The help text of the option, listing what this build offers.
std::string device_option_help();

}  // namespace longalign::cli
