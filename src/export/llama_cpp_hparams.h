// The general.* and <architecture>.* metadata llama.cpp reads to build a llama or qwen2 model.
#pragma once

#include <cstdint>
#include <string>

#include "export/gguf_writer.h"
#include "model/config.h"

namespace longalign::gguf {

// `architecture` from llama_cpp_architecture(); `file_type` is llama.cpp's llama_ftype.
void add_model_metadata(Writer& writer, const model::ModelConfig& config,
                        const std::string& architecture, const std::string& name,
                        uint32_t file_type);

}  // namespace longalign::gguf
