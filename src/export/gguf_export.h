// `longalign model export --gguf`: a Hugging Face model folder (config.json, safetensors,
// tokenizer.json and tokenizer_config.json) as one GGUF file that llama.cpp, Ollama and
// node-llama-cpp load, computing what our engine computes and tokenizing as our tokenizer does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace longalign::gguf {

// The weights' encoding; norms, biases and other 1-D tensors are F32 in every one.
enum class FileType { f32, f16, bf16, q8_0 };

// "f32", "f16", "bf16" or "q8_0"; UsageError otherwise.
FileType parse_file_type(const std::string& name);

struct ExportSummary {
  std::string architecture;  // llama.cpp's: "llama" or "qwen2"
  int64_t tensors = 0;
  uint64_t bytes = 0;                      // the file's size
  std::vector<std::string> f16_fallbacks;  // q8_0 tensors whose rows are not a multiple of 32
  std::vector<std::string> notes;          // what the user should know (from the vocabulary)
};

// Writes `output` under a temporary name and renames it into place, so a failure leaves no file
// (and an existing file untouched). Bad input is an Error naming the file and the field or tensor.
ExportSummary export_gguf(const std::filesystem::path& model_dir,
                          const std::filesystem::path& output, FileType type);

}  // namespace longalign::gguf
