#include "export/gguf_writer.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "core/file_io.h"

namespace longalign::gguf {

static_assert(std::endian::native == std::endian::little,
              "GGUF is little-endian and is written from memory as it lies");

namespace {

// GGUF's metadata value types (gguf.h).
enum ValueType : uint32_t {
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
};

// ggml's limit on tensor names (GGML_MAX_NAME, the terminating NUL included).
constexpr size_t kMaxTensorName = 63;
constexpr int64_t kQ8Block = 32, kQ8BlockBytes = 34;  // an fp16 scale and 32 int8 values

template <typename T>
void append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void append_string(std::string& out, const std::string& s) {
  append<uint64_t>(out, s.size());
  out.append(s);
}

uint64_t align_up(uint64_t n) {
  return (n + kAlignment - 1) / kAlignment * kAlignment;
}

}  // namespace

uint64_t tensor_bytes(TensorType type, const std::vector<int64_t>& dims) {
  uint64_t n = 1;
  for (const int64_t d : dims) n *= static_cast<uint64_t>(d);
  switch (type) {
    case TensorType::f32:
      return n * 4;
    case TensorType::f16:
    case TensorType::bf16:
      return n * 2;
    case TensorType::q8_0:
      if (dims.empty() || dims[0] % kQ8Block != 0) {
        throw std::logic_error("Q8_0 rows must be a multiple of 32 values");
      }
      return n / kQ8Block * kQ8BlockBytes;
  }
  throw std::logic_error("unknown tensor type");
}

void Writer::begin_entry(const std::string& key, uint32_t value_type) {
  if (std::find(keys_.begin(), keys_.end(), key) != keys_.end()) {
    throw std::logic_error("GGUF metadata key added twice: " + key);
  }
  keys_.push_back(key);
  ++metadata_count_;
  append_string(metadata_, key);
  append<uint32_t>(metadata_, value_type);
}

void Writer::add_u32(const std::string& key, uint32_t value) {
  begin_entry(key, kU32);
  append(metadata_, value);
}

void Writer::add_i32(const std::string& key, int32_t value) {
  begin_entry(key, kI32);
  append(metadata_, value);
}

void Writer::add_f32(const std::string& key, float value) {
  begin_entry(key, kF32);
  append(metadata_, value);
}

void Writer::add_bool(const std::string& key, bool value) {
  begin_entry(key, kBool);
  append<uint8_t>(metadata_, value ? 1 : 0);
}

void Writer::add_string(const std::string& key, const std::string& value) {
  begin_entry(key, kString);
  append_string(metadata_, value);
}

void Writer::add_strings(const std::string& key, const std::vector<std::string>& values) {
  begin_entry(key, kArray);
  append<uint32_t>(metadata_, kString);
  append<uint64_t>(metadata_, values.size());
  for (const std::string& v : values) append_string(metadata_, v);
}

void Writer::add_i32s(const std::string& key, const std::vector<int32_t>& values) {
  begin_entry(key, kArray);
  append<uint32_t>(metadata_, kI32);
  append<uint64_t>(metadata_, values.size());
  metadata_.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
}

void Writer::add_f32s(const std::string& key, const std::vector<float>& values) {
  begin_entry(key, kArray);
  append<uint32_t>(metadata_, kF32);
  append<uint64_t>(metadata_, values.size());
  metadata_.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
}

void Writer::add_tensor(TensorInfo info) {
  if (info.name.size() > kMaxTensorName) {
    throw std::logic_error("GGUF tensor name longer than 63 bytes: " + info.name);
  }
  for (const TensorInfo& t : tensors_) {
    if (t.name == info.name) throw std::logic_error("GGUF tensor added twice: " + info.name);
  }
  tensors_.push_back(std::move(info));
}

void Writer::write(const std::filesystem::path& path,
                   const std::function<std::vector<unsigned char>(size_t)>& data) const {
  std::string head = "GGUF";
  append<uint32_t>(head, 3);
  append<uint64_t>(head, tensors_.size());
  append<uint64_t>(head, metadata_count_);
  head += metadata_;
  uint64_t offset = 0;
  for (const TensorInfo& t : tensors_) {
    append_string(head, t.name);
    append<uint32_t>(head, static_cast<uint32_t>(t.dims.size()));
    for (const int64_t d : t.dims) append<uint64_t>(head, static_cast<uint64_t>(d));
    append<uint32_t>(head, static_cast<uint32_t>(t.type));
    append<uint64_t>(head, offset);
    offset = align_up(offset + tensor_bytes(t.type, t.dims));
  }
  head.append(align_up(head.size()) - head.size(), '\0');

  AtomicFileWriter out(path);
  out.write(head.data(), head.size());
  const std::string padding(kAlignment, '\0');
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const std::vector<unsigned char> bytes = data(i);
    const uint64_t expected = tensor_bytes(tensors_[i].type, tensors_[i].dims);
    if (bytes.size() != expected) {
      throw std::logic_error("GGUF tensor " + tensors_[i].name + ": " +
                             std::to_string(bytes.size()) + " bytes, expected " +
                             std::to_string(expected));
    }
    out.write(bytes.data(), bytes.size());
    out.write(padding.data(), align_up(bytes.size()) - bytes.size());
  }
  out.commit();
}

}  // namespace longalign::gguf
