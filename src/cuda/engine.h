// The CUDA engine behind train::Engine: the only header of src/cuda/ the rest of the program
// includes (the command line's --device), and it names no CUDA type.
#pragma once

#include <memory>
#include <string>

#include "train/engine.h"

namespace longalign::cuda {

// True when a CUDA device can be used; otherwise `why` says what is missing (no driver, no
// device, a device older than sm_80).
bool gpu_available(std::string* why);

// An engine on device 0, over the caller's host copies (train::EngineFactory's signature).
std::unique_ptr<train::Engine> make_engine(const model::ModelConfig& config,
                                           model::Parameters& params, train::AdamW* optimizer);

}  // namespace longalign::cuda
