// A GGUF v3 file (the format llama.cpp, Ollama and node-llama-cpp load), written in one pass:
//
//   "GGUF", version 3, tensor count, metadata count        (little-endian, counts u64)
//   metadata:  key (u64 length + bytes), value type (u32), value
//   tensors:   name, number of dims (u32), dims (u64, ggml order: dims[0] is the contiguous one),
//              tensor type (u32), offset (u64) into the data section
//   padding to the alignment, then each tensor's bytes, each padded to the alignment
//
// The metadata and the tensor table are known before any weight is read, so the offsets are
// computed up front and the weights are streamed into the file one tensor at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace longalign::gguf {

// ggml's tensor types that the exporter writes (values from ggml.h).
enum class TensorType : uint32_t { f32 = 0, f16 = 1, q8_0 = 8, bf16 = 30 };

// The file's alignment: GGUF's default, so general.alignment need not be written.
inline constexpr uint64_t kAlignment = 32;

// Bytes of a tensor of `type` with `dims` (ggml order); Q8_0 needs dims[0] % 32 == 0.
uint64_t tensor_bytes(TensorType type, const std::vector<int64_t>& dims);

struct TensorInfo {
  std::string name;
  std::vector<int64_t> dims;  // ggml order: dims[0] varies fastest
  TensorType type = TensorType::f32;
};

class Writer {
 public:
  // Metadata, in the order added; a key added twice is a logic error.
  void add_u32(const std::string& key, uint32_t value);
  void add_i32(const std::string& key, int32_t value);
  void add_f32(const std::string& key, float value);
  void add_bool(const std::string& key, bool value);
  void add_string(const std::string& key, const std::string& value);
  void add_strings(const std::string& key, const std::vector<std::string>& values);
  void add_i32s(const std::string& key, const std::vector<int32_t>& values);
  void add_f32s(const std::string& key, const std::vector<float>& values);

  void add_tensor(TensorInfo info);
  const std::vector<TensorInfo>& tensors() const { return tensors_; }

  // Writes the file atomically (a temporary renamed over `path`). `data(i)` returns tensor i's
  // bytes, exactly tensor_bytes() of them; tensors are asked for in the order added, one at a
  // time, so only one is in memory.
  void write(const std::filesystem::path& path,
             const std::function<std::vector<unsigned char>(size_t)>& data) const;

 private:
  void begin_entry(const std::string& key, uint32_t value_type);

  std::string metadata_;  // the encoded key-value pairs
  uint64_t metadata_count_ = 0;
  std::vector<std::string> keys_;
  std::vector<TensorInfo> tensors_;
};

}  // namespace longalign::gguf
