#include "model/safetensors.h"

#include <fcntl.h>
#include <immintrin.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <span>

#include "core/error.h"
#include "core/file_io.h"
#include "model/bf16.h"

namespace longalign::model {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "safetensors files are little-endian and are mapped as they lie in memory");

namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";
constexpr int64_t kConvertBlock = int64_t{1} << 16;  // elements converted per OpenMP task

std::string errno_text() {
  return std::strerror(errno);
}

const char* dtype_name(TensorDType dtype) {
  switch (dtype) {
    case TensorDType::f32:
      return "F32";
    case TensorDType::bf16:
      return "BF16";
    case TensorDType::f16:
      return "F16";
  }
  return "?";
}

int64_t dtype_bytes(TensorDType dtype) {
  return dtype == TensorDType::f32 ? 4 : 2;
}

// Bytes per element of every dtype the safetensors format defines: a file may hold tensors we
// cannot read (an integer buffer, say); they are checked but only an Error when asked for.
int64_t format_dtype_bytes(const std::string& name) {
  static const std::map<std::string, int64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};
  const auto it = sizes.find(name);
  return it == sizes.end() ? 0 : it->second;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

// One file mapped read-only for the reader's lifetime.
class MappedFile {
 public:
  explicit MappedFile(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path.string() + ": cannot open: " + errno_text());
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const std::string why = errno_text();
      ::close(fd);
      throw Error(path.string() + ": cannot stat: " + why);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        const std::string why = errno_text();
        ::close(fd);
        throw Error(path.string() + ": cannot map: " + why);
      }
      data_ = static_cast<const unsigned char*>(p);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

int64_t json_offset(const Json& value) {
  return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0)
             ? value.get<int64_t>()
             : -1;
}

// The dims of `entry`'s "shape", each a non-negative integer, with a product that fits.
std::vector<int64_t> parse_shape(const Json& entry, const std::string& where) {
  const auto it = entry.find("shape");
  if (it == entry.end() || !it->is_array()) throw Error(where + ": missing \"shape\" array");
  std::vector<int64_t> shape;
  int64_t n = 1;
  for (const Json& dim : *it) {
    const int64_t d = json_offset(dim);
    if (d < 0) throw Error(where + ": shape " + it->dump() + " is not non-negative integers");
    if (d > 0 && n > INT64_MAX / d) throw Error(where + ": shape " + it->dump() + " is too large");
    n *= d;
    shape.push_back(d);
  }
  return shape;
}

}  // namespace

struct SafetensorsReader::Impl {
  fs::path path;
  std::vector<std::unique_ptr<MappedFile>> files;
  std::map<std::string, TensorInfo> tensors;
  std::map<std::string, std::string> unreadable;  // name -> "<file>: tensor <name>: dtype <X>"

  void open_file(const fs::path& file);
  void open_index(const fs::path& folder);
};

// Layout: u64 header length N, N bytes of JSON, then the data that the JSON's data_offsets
// (relative to the first byte after the header) point into.
void SafetensorsReader::Impl::open_file(const fs::path& file) {
  const std::string where = file.string();
  files.push_back(std::make_unique<MappedFile>(file));
  const MappedFile& mapped = *files.back();
  if (mapped.size() < 8) {
    throw Error(where + ": truncated: " + std::to_string(mapped.size()) +
                " bytes, less than the 8-byte header length");
  }
  uint64_t header_bytes = 0;
  std::memcpy(&header_bytes, mapped.data(), 8);
  if (header_bytes > mapped.size() - 8) {
    throw Error(where + ": header length " + std::to_string(header_bytes) +
                " passes the end of the file (" + std::to_string(mapped.size()) + " bytes)");
  }
  const std::string_view text(reinterpret_cast<const char*>(mapped.data() + 8), header_bytes);
  const Json header = parse_json(text, where);
  if (!header.is_object()) throw Error(where + ": header is not a JSON object");

  const unsigned char* data = mapped.data() + 8 + header_bytes;
  const int64_t data_bytes = static_cast<int64_t>(mapped.size() - 8 - header_bytes);
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string at = where + ": tensor " + name;
    if (!entry.is_object()) throw Error(at + ": expected an object");
    const auto dtype_it = entry.find("dtype");
    if (dtype_it == entry.end() || !dtype_it->is_string()) throw Error(at + ": missing \"dtype\"");
    const std::string dtype = dtype_it->get<std::string>();
    const int64_t elem_bytes = format_dtype_bytes(dtype);
    if (elem_bytes == 0) throw Error(at + ": unknown dtype \"" + dtype + "\"");
    std::vector<int64_t> shape = parse_shape(entry, at);

    const auto offsets = entry.find("data_offsets");
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2) {
      throw Error(at + ": \"data_offsets\" must be [begin, end]");
    }
    const int64_t begin = json_offset((*offsets)[0]), end = json_offset((*offsets)[1]);
    if (begin < 0 || end < begin || end > data_bytes) {
      throw Error(at + ": data_offsets " + offsets->dump() + " outside the data (" +
                  std::to_string(data_bytes) + " bytes)");
    }
    const int64_t n = numel(shape);
    // n * elem_bytes is only formed once it is known not to overflow (a fuzzed huge shape).
    if (n > std::numeric_limits<int64_t>::max() / elem_bytes) {
      throw Error(at + ": " + dtype + " " + shape_text(shape) + " needs more than the " +
                  std::to_string(data_bytes) + " bytes of data in the file");
    }
    if (end - begin != n * elem_bytes) {
      throw Error(at + ": data_offsets span " + std::to_string(end - begin) + " bytes, but " +
                  dtype + " " + shape_text(shape) + " needs " + std::to_string(n * elem_bytes));
    }
    if (tensors.count(name) || unreadable.count(name)) {
      throw Error(at + ": also in " + (tensors.count(name) ? tensors[name].file : "another shard"));
    }
    if (dtype == "F32" || dtype == "BF16" || dtype == "F16") {
      const TensorDType t = dtype == "F32"    ? TensorDType::f32
                            : dtype == "BF16" ? TensorDType::bf16
                                              : TensorDType::f16;
      tensors[name] = TensorInfo{t, std::move(shape), data + begin, where};
    } else {
      unreadable[name] = at + ": unsupported dtype " + dtype + " (expected F32, BF16 or F16)";
    }
  }
}

// model.safetensors.index.json: {"metadata": {...}, "weight_map": {tensor: shard file}}.
void SafetensorsReader::Impl::open_index(const fs::path& folder) {
  const fs::path index_path = folder / kIndexFile;
  const std::string where = index_path.string();
  const Json index = read_json_file(index_path);
  const Json& weight_map = json_field(index, "weight_map", where);
  if (!weight_map.is_object()) throw Error(where + ": \"weight_map\" must be an object");
  std::set<std::string> shards;
  for (const auto& [name, shard] : weight_map.items()) {
    if (!shard.is_string()) throw Error(where + ": weight_map: " + name + ": expected a file name");
    // A downloaded index must not make us open files outside its folder.
    const std::string file = shard.get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
      throw Error(where + ": weight_map: " + name + ": \"" + file +
                  "\" is not a file name in the model folder");
    }
    shards.insert(file);
  }
  for (const std::string& shard : shards) open_file(folder / shard);
  for (const auto& [name, shard] : weight_map.items()) {
    const auto it = tensors.find(name);
    const fs::path listed = folder / shard.get<std::string>();
    if (it == tensors.end() && !unreadable.count(name)) {
      throw Error(where + ": tensor " + name + " is not in " + listed.string());
    }
    if (it != tensors.end() && it->second.file != listed.string()) {
      throw Error(where + ": tensor " + name + " is in " + it->second.file + ", not " +
                  listed.string());
    }
  }
}

// A folder is read the way transformers reads it: model.safetensors if present, else the index.
SafetensorsReader::SafetensorsReader(const fs::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  if (!fs::is_directory(path)) {
    impl_->open_file(path);
  } else if (fs::exists(path / kSingleFile)) {
    impl_->open_file(path / kSingleFile);
  } else if (fs::exists(path / kIndexFile)) {
    impl_->open_index(path);
  } else {
    throw Error(path.string() + ": no " + kSingleFile + " or " + kIndexFile);
  }
}

SafetensorsReader::~SafetensorsReader() = default;

bool SafetensorsReader::contains(const std::string& name) const {
  return impl_->tensors.count(name) || impl_->unreadable.count(name);
}

const TensorInfo& SafetensorsReader::info(const std::string& name) const {
  const auto it = impl_->tensors.find(name);
  if (it != impl_->tensors.end()) return it->second;
  const auto bad = impl_->unreadable.find(name);
  if (bad != impl_->unreadable.end()) throw Error(bad->second);
  throw Error(impl_->path.string() + ": missing tensor " + name);
}

std::vector<std::string> SafetensorsReader::names() const {
  std::vector<std::string> all;
  for (const auto& entry : impl_->tensors) all.push_back(entry.first);
  for (const auto& entry : impl_->unreadable) all.push_back(entry.first);
  std::sort(all.begin(), all.end());
  return all;
}

namespace {

// n values of `dtype` at src (any alignment) to fp32.
void convert_to_f32(TensorDType dtype, const unsigned char* src, float* dst, int64_t n) {
  if (dtype == TensorDType::f32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
  } else if (dtype == TensorDType::bf16) {
    for (int64_t i = 0; i < n; ++i) {
      bf16 v;
      std::memcpy(&v, src + 2 * i, 2);
      dst[i] = from_bf16(v);
    }
  } else {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
      _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
    }
    for (; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      dst[i] = _cvtsh_ss(h);
    }
  }
}

// n fp32 values to `dtype` at dst, rounding to nearest even.
void convert_from_f32(TensorDType dtype, const float* src, unsigned char* dst, int64_t n) {
  if (dtype == TensorDType::f32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
  } else if (dtype == TensorDType::bf16) {
    for (int64_t i = 0; i < n; ++i) {
      const bf16 v = to_bf16(src[i]);
      std::memcpy(dst + 2 * i, &v, 2);
    }
  } else {
    constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), kRound);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i), h);
    }
    for (; i < n; ++i) {
      const uint16_t h = _cvtss_sh(src[i], kRound);
      std::memcpy(dst + 2 * i, &h, 2);
    }
  }
}

}  // namespace

void SafetensorsReader::read_f32(const std::string& name, const std::vector<int64_t>& shape,
                                 float* dst) const {
  const TensorInfo& t = info(name);
  if (t.shape != shape) {
    throw Error(t.file + ": tensor " + name + ": shape " + shape_text(t.shape) + ", expected " +
                shape_text(shape));
  }
  const int64_t n = numel(shape), elem_bytes = dtype_bytes(t.dtype);
#pragma omp parallel for schedule(static)
  for (int64_t begin = 0; begin < n; begin += kConvertBlock) {
    convert_to_f32(t.dtype, t.bytes + begin * elem_bytes, dst + begin,
                   std::min(kConvertBlock, n - begin));
  }
}

namespace {

int64_t entry_bytes(const SafetensorsEntry& e, TensorDType dtype) {
  return numel(e.shape) * dtype_bytes(dtype);
}

// One safetensors file: the header padded with spaces to a multiple of 8 bytes, then the
// tensors in order, converted a chunk at a time so no second copy of the weights is built.
void write_one_file(const fs::path& path, std::span<const SafetensorsEntry> entries,
                    TensorDType dtype) {
  Json header = Json::object();
  header["__metadata__"] = {{"format", "pt"}};
  int64_t offset = 0;
  for (const SafetensorsEntry& e : entries) {
    const int64_t end = offset + entry_bytes(e, dtype);
    header[e.name] = {
        {"dtype", dtype_name(dtype)}, {"shape", e.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t header_bytes = text.size();

  AtomicFileWriter out(path);
  out.write(&header_bytes, 8);
  out.write(text.data(), text.size());
  constexpr int64_t kChunk = int64_t{1} << 22;
  std::vector<unsigned char> buffer;
  for (const SafetensorsEntry& e : entries) {
    const int64_t n = numel(e.shape);
    if (dtype == TensorDType::f32) {
      out.write(e.data, static_cast<size_t>(n) * sizeof(float));
      continue;
    }
    for (int64_t chunk = 0; chunk < n; chunk += kChunk) {
      const int64_t count = std::min(kChunk, n - chunk);
      buffer.resize(static_cast<size_t>(count * 2));
#pragma omp parallel for schedule(static)
      for (int64_t begin = 0; begin < count; begin += kConvertBlock) {
        convert_from_f32(dtype, e.data + chunk + begin, buffer.data() + 2 * begin,
                         std::min(kConvertBlock, count - begin));
      }
      out.write(buffer.data(), buffer.size());
    }
  }
  out.commit();
}

std::string shard_name(size_t index, size_t count) {
  char name[64];
  std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", index + 1, count);
  return name;
}

// Files an earlier save left that the new one does not use. Removed only once the new files are
// in place, so an interrupted save leaves a folder that still loads (the old weights or the new).
void remove_stale_files(const fs::path& folder, const std::set<std::string>& keep) {
  static const std::regex shard(R"(model-\d{5}-of-\d{5}\.safetensors)");
  for (const auto& file : fs::directory_iterator(folder)) {
    const std::string name = file.path().filename().string();
    const bool ours = name == kSingleFile || name == kIndexFile || std::regex_match(name, shard);
    if (ours && !keep.count(name)) fs::remove(file.path());
  }
}

}  // namespace

void write_safetensors(const fs::path& folder, const std::vector<SafetensorsEntry>& entries,
                       TensorDType dtype, int64_t max_shard_bytes) {
  std::set<std::string> seen;
  for (const SafetensorsEntry& e : entries) {
    if (!seen.insert(e.name).second) throw Error(folder.string() + ": tensor " + e.name + " twice");
  }
  // Shards as transformers cuts them: tensors in order, a new shard when the next would pass
  // the limit; a tensor larger than the limit gets a shard of its own.
  std::vector<std::span<const SafetensorsEntry>> shards;
  int64_t total = 0, shard_bytes = 0;
  size_t shard_begin = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const int64_t bytes = entry_bytes(entries[i], dtype);
    if (i > shard_begin && shard_bytes + bytes > max_shard_bytes) {
      shards.emplace_back(entries.data() + shard_begin, i - shard_begin);
      shard_begin = i;
      shard_bytes = 0;
    }
    shard_bytes += bytes;
    total += bytes;
  }
  shards.emplace_back(entries.data() + shard_begin, entries.size() - shard_begin);

  if (shards.size() == 1) {
    write_one_file(folder / kSingleFile, entries, dtype);
    remove_stale_files(folder, {kSingleFile});
    return;
  }
  Json weight_map = Json::object();
  std::set<std::string> written = {kIndexFile};
  for (size_t s = 0; s < shards.size(); ++s) {
    const std::string name = shard_name(s, shards.size());
    write_one_file(folder / name, shards[s], dtype);
    for (const SafetensorsEntry& e : shards[s]) weight_map[e.name] = name;
    written.insert(name);
  }
  const Json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  write_file_atomic(folder / kIndexFile, index.dump(2) + "\n");
  remove_stale_files(folder, written);
}

void load_parameters(Parameters& params, const ModelConfig& config, const fs::path& folder) {
  const SafetensorsReader reader(folder);
  const std::vector<HfTensor> tensors = hf_tensors(config);
  for (const HfTensor& t : tensors) {
    if (!reader.contains(t.name)) throw Error(folder.string() + ": missing tensor " + t.name);
  }
  for (const HfTensor& t : tensors) reader.read_f32(t.name, t.shape, params.data() + t.offset);
}

namespace {

// ChatGLM3 registers RotaryEmbedding.inv_freq as a persistent buffer, so its checkpoints carry
// it and its loader expects it. The buffer is 1 / 10000^(2i / (head_dim / 2)) for the
// head_dim / 4 pairs: rope_ratio is applied later, when the cos/sin cache is built, so it does not
// appear here.
std::vector<float> chatglm_inv_freq(const ModelConfig& config) {
  const int64_t rotary_dim = config.head_dim / 2;
  std::vector<float> inv_freq(static_cast<size_t>(rotary_dim / 2));
  for (size_t i = 0; i < inv_freq.size(); ++i) {
    const double exponent = static_cast<double>(2 * i) / static_cast<double>(rotary_dim);
    inv_freq[i] = static_cast<float>(1.0 / std::pow(10000.0, exponent));
  }
  return inv_freq;
}

}  // namespace

void save_model(const fs::path& folder, const ModelConfig& config, const Parameters& params,
                const SaveOptions& options) {
  if (!config.source.is_object()) {
    throw Error(folder.string() + ": the model config has no config.json text to save");
  }
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error(folder.string() + ": cannot create: " + ec.message());
  write_file_atomic(folder / "config.json", config.source.dump(2) + "\n");

  std::vector<SafetensorsEntry> entries;
  for (const HfTensor& t : hf_tensors(config)) {
    entries.push_back({t.name, t.shape, params.data() + t.offset});
  }
  std::vector<float> inv_freq;
  if (config.family == Family::chatglm) {
    inv_freq = chatglm_inv_freq(config);
    entries.push_back({"transformer.rotary_pos_emb.inv_freq",
                       {static_cast<int64_t>(inv_freq.size())},
                       inv_freq.data()});
  }
  write_safetensors(folder, entries, options.dtype, options.max_shard_bytes);
}

int copy_tokenizer_files(const std::filesystem::path& from, const std::filesystem::path& to) {
  int copied = 0;
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model",
                           "special_tokens_map.json", "generation_config.json"}) {
    if (!std::filesystem::exists(from / name)) continue;
    std::filesystem::copy_file(from / name, to / name,
                               std::filesystem::copy_options::overwrite_existing);
    ++copied;
  }
  return copied;
}

}  // namespace longalign::model
