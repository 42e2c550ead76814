// Reading and writing Hugging Face model folders: config.json plus model.safetensors, or shards
// listed by model.safetensors.index.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/parameters.h"

namespace longalign::model {

enum class TensorDType { f32, bf16, f16 };

struct TensorInfo {
  TensorDType dtype = TensorDType::f32;
  std::vector<int64_t> shape;
  const unsigned char* bytes = nullptr;  // inside the memory-mapped file
  std::string file;                      // the shard that holds it
};

// A memory-mapped safetensors file or sharded folder. Header, offsets and sizes are checked on
// open: a truncated or corrupt file is an Error naming the file (and the tensor).
class SafetensorsReader {
 public:
  // `path`: a .safetensors file, or a folder with model.safetensors or
  // model.safetensors.index.json.
  explicit SafetensorsReader(const std::filesystem::path& path);
  ~SafetensorsReader();
  SafetensorsReader(const SafetensorsReader&) = delete;
  SafetensorsReader& operator=(const SafetensorsReader&) = delete;

  bool contains(const std::string& name) const;
  const TensorInfo& info(const std::string& name) const;  // Error when absent
  std::vector<std::string> names() const;

  // Converts tensor `name` to fp32 into dst; an Error names the tensor when its shape differs
  // from `shape`.
  void read_f32(const std::string& name, const std::vector<int64_t>& shape, float* dst) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SafetensorsEntry {
  std::string name;
  std::vector<int64_t> shape;
  const float* data = nullptr;  // fp32, converted to the file's dtype on write
};

// Writes `entries` as model.safetensors, or as model-0000i-of-0000n.safetensors shards plus
// model.safetensors.index.json when they pass max_shard_bytes. Each file is written atomically.
void write_safetensors(const std::filesystem::path& folder,
                       const std::vector<SafetensorsEntry>& entries, TensorDType dtype,
                       int64_t max_shard_bytes);

// A model folder: the parameters from config's family tensor names. A missing tensor or a shape
// mismatch is an Error naming the tensor.
void load_parameters(Parameters& params, const ModelConfig& config,
                     const std::filesystem::path& folder);

struct SaveOptions {
  TensorDType dtype = TensorDType::f32;
  int64_t max_shard_bytes = int64_t{5} << 30;  // transformers' default 5 GB
};

// Writes config.json (config.source) and the weights into `folder`, which is created; files are
// written atomically.
void save_model(const std::filesystem::path& folder, const ModelConfig& config,
                const Parameters& params, const SaveOptions& options = {});

// Copies the tokenizer and generation files of model folder `from` (tokenizer.json,
// tokenizer_config.json, tokenizer.model, special_tokens_map.json, generation_config.json, those
// that exist) into `to`, so a folder we write is complete for other tools. Returns how many.
int copy_tokenizer_files(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace longalign::model
