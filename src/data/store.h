// The tokenized store: a directory that training memory-maps.
//   tokens.u32  every sample's token ids, concatenated, little-endian u32
//   mask.u8     one byte per token: 1 = the token is a target
//   index       per sample a 20-byte little-endian record: offset u64 (in tokens), length u32,
//               target count u32, source id u32 (which input file it came from)
//   meta.json   format version, tokenizer source and hash, template, max length, truncation,
//               counts and a length histogram
// The format is described for users in docs/DATA.md ("Tokenized store").
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/samples.h"

namespace longalign::data {

inline constexpr int kStoreFormatVersion = 1;
inline constexpr size_t kStoreIndexRecordSize = 20;

// What meta.json says about how the store was made. `extra` is merged into meta.json as is
// (prepare puts its counts there).
struct StoreInfo {
  std::string tokenizer_source;  // path of the tokenizer file read
  std::string tokenizer_hash;    // store_file_hash of that file
  std::string chat_template;
  uint32_t max_length = 0;
  std::string truncation;
  Json extra = Json::object();
};

// FNV-1a 64 of the file's bytes as 16 hex digits: enough to notice a different tokenizer.
std::string store_file_hash(const std::filesystem::path& path);

// Collects samples in memory-sized buffers and writes the store on finish(). Files are written
// into a temporary directory beside `dir` and renamed into place only when complete, so an
// existing store at `dir` survives a failed or interrupted run.
class StoreWriter {
 public:
  StoreWriter(std::filesystem::path dir, StoreInfo info);
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Appends one sample; ids and mask must have the same size.
  void add(std::span<const uint32_t> ids, std::span<const uint8_t> mask, uint32_t source_id);
  size_t sample_count() const { return lengths_.size(); }
  uint64_t token_count() const { return tokens_; }
  uint64_t target_count() const { return targets_; }
  const std::vector<uint32_t>& lengths() const { return lengths_; }
  // Sets a top-level field of meta.json (for example the preparation counts).
  void set_meta(const std::string& key, Json value) { info_.extra[key] = std::move(value); }

  // Writes the index and meta.json, then renames the directory into place. `extra_files` are
  // (name, content) written into the store too (report.json, lengths.svg).
  void finish(const std::vector<std::pair<std::string, std::string>>& extra_files = {});

 private:
  std::filesystem::path dir_, tmp_;
  StoreInfo info_;
  std::FILE* tokens_file_ = nullptr;
  std::FILE* mask_file_ = nullptr;
  std::string index_;
  std::vector<uint32_t> lengths_;
  uint64_t tokens_ = 0, targets_ = 0;
  bool finished_ = false;
};

// Log-spaced length histogram (bins of powers of two: [1,2), [2,4), ...), as meta.json stores it.
Json length_histogram_json(const std::vector<uint32_t>& lengths);

// A store opened read-only: the token and mask files are memory-mapped, the index is read and
// checked against meta.json and the file sizes. Any mismatch is an Error naming the file.
class StoreReader : public SampleSource {
 public:
  explicit StoreReader(std::filesystem::path dir);
  ~StoreReader() override;
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  struct Entry {
    uint64_t offset = 0;
    uint32_t length = 0, targets = 0, source = 0;
  };

  size_t size() const { return entries_.size(); }
  const Entry& entry(size_t i) const { return entries_.at(i); }
  std::span<const uint32_t> ids(size_t i) const;
  std::span<const uint8_t> mask(size_t i) const;
  const Json& meta() const { return meta_; }

  std::vector<Sample> samples() const override;
  std::string name() const override { return dir_.string(); }

 private:
  std::filesystem::path dir_;
  Json meta_;
  std::vector<Entry> entries_;
  const uint32_t* tokens_ = nullptr;
  const uint8_t* mask_ = nullptr;
  size_t tokens_bytes_ = 0, mask_bytes_ = 0;
  void* tokens_map_ = nullptr;
  void* mask_map_ = nullptr;

  void unmap();
};

}  // namespace longalign::data
