#include "data/store.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"

namespace longalign::data {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "the store's files are little-endian and written and mapped as they lie in memory");

namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}

void put_u64(std::string& out, uint64_t v) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}

uint64_t get_le(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int b = bytes - 1; b >= 0; --b) v = (v << 8) | p[b];
  return v;
}

std::FILE* open_for_write(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw Error(path.string() + ": cannot create: " + std::strerror(errno));
  return f;
}

void write_bytes(std::FILE* f, const void* data, size_t bytes, const fs::path& path) {
  if (bytes != 0 && std::fwrite(data, 1, bytes, f) != bytes) {
    throw Error(path.string() + ": write failed: " + std::strerror(errno));
  }
}

void close_synced(std::FILE*& f, const fs::path& path) {
  const bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  f = nullptr;
  if (!ok || !closed) throw Error(path.string() + ": write failed: " + std::strerror(errno));
}

// Maps `path` read-only; an empty file maps to nullptr.
const void* map_file(const fs::path& path, size_t& bytes, void*& handle) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw Error(path.string() + ": cannot stat: " + std::strerror(errno));
  }
  bytes = static_cast<size_t>(st.st_size);
  handle = nullptr;
  if (bytes != 0) {
    void* p = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw Error(path.string() + ": cannot map: " + std::strerror(errno));
    }
    handle = p;
  }
  ::close(fd);
  return handle;
}

}  // namespace

std::string store_file_hash(const fs::path& path) {
  // Read in blocks: checkpoints hash files of many gigabytes.
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
  uint64_t h = 0xcbf29ce484222325ull;
  std::vector<unsigned char> block(1 << 20);
  size_t n = 0;
  while ((n = std::fread(block.data(), 1, block.size(), in)) > 0) {
    for (size_t i = 0; i < n; ++i) {
      h ^= block[i];
      h *= 0x100000001b3ull;
    }
  }
  const bool failed = std::ferror(in);
  std::fclose(in);
  if (failed) throw Error(path.string() + ": read error");
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

Json length_histogram_json(const std::vector<uint32_t>& lengths) {
  std::vector<uint64_t> counts;
  for (const uint32_t n : lengths) {
    const size_t bin = n == 0 ? 0 : static_cast<size_t>(std::bit_width(n));
    if (counts.size() <= bin) counts.resize(bin + 1, 0);
    ++counts[bin];
  }
  Json bins = Json::array();
  for (size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] == 0) continue;
    const uint64_t lo = b == 0 ? 0 : uint64_t{1} << (b - 1);
    const uint64_t hi = b == 0 ? 1 : uint64_t{1} << b;
    bins.push_back({{"min", lo}, {"below", hi}, {"count", counts[b]}});
  }
  return bins;
}

StoreWriter::StoreWriter(fs::path dir, StoreInfo info)
    : dir_(std::move(dir)), info_(std::move(info)) {
  if (dir_.filename().empty()) dir_ = dir_.parent_path();
  const fs::path parent = dir_.parent_path().empty() ? fs::path(".") : dir_.parent_path();
  std::string tmp_name = ".";
  tmp_name += dir_.filename().string();
  tmp_name += ".tmp-";
  tmp_name += std::to_string(::getpid());
  tmp_ = parent / tmp_name;
  std::error_code ec;
  fs::remove_all(tmp_, ec);
  fs::create_directories(tmp_, ec);
  if (ec) throw Error(tmp_.string() + ": cannot create directory: " + ec.message());
  tokens_file_ = open_for_write(tmp_ / "tokens.u32");
  mask_file_ = open_for_write(tmp_ / "mask.u8");
}

StoreWriter::~StoreWriter() {
  if (tokens_file_) std::fclose(tokens_file_);
  if (mask_file_) std::fclose(mask_file_);
  if (!finished_) {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
}

void StoreWriter::add(std::span<const uint32_t> ids, std::span<const uint8_t> mask,
                      uint32_t source_id) {
  if (finished_) throw Error(dir_.string() + ": store already finished");
  if (ids.size() != mask.size()) {
    throw Error("store sample " + std::to_string(lengths_.size()) + ": " +
                std::to_string(ids.size()) + " ids but " + std::to_string(mask.size()) +
                " mask bytes");
  }
  if (ids.size() > UINT32_MAX) throw Error("store sample too long");
  uint32_t targets = 0;
  for (const uint8_t m : mask) targets += m != 0 ? 1 : 0;
  write_bytes(tokens_file_, ids.data(), ids.size_bytes(), tmp_ / "tokens.u32");
  write_bytes(mask_file_, mask.data(), mask.size(), tmp_ / "mask.u8");
  put_u64(index_, tokens_);
  put_u32(index_, static_cast<uint32_t>(ids.size()));
  put_u32(index_, targets);
  put_u32(index_, source_id);
  lengths_.push_back(static_cast<uint32_t>(ids.size()));
  tokens_ += ids.size();
  targets_ += targets;
}

void StoreWriter::finish(const std::vector<std::pair<std::string, std::string>>& extra_files) {
  if (finished_) throw Error(dir_.string() + ": store already finished");
  close_synced(tokens_file_, tmp_ / "tokens.u32");
  close_synced(mask_file_, tmp_ / "mask.u8");
  write_file_atomic(tmp_ / "index", index_);
  Json meta = info_.extra.is_object() ? info_.extra : Json::object();
  meta["format"] = "longalign-store";
  meta["version"] = kStoreFormatVersion;
  meta["tokenizer"] = {{"source", info_.tokenizer_source}, {"hash", info_.tokenizer_hash}};
  meta["template"] = info_.chat_template;
  meta["max_length"] = info_.max_length;
  meta["truncation"] = info_.truncation;
  meta["samples"] = lengths_.size();
  meta["tokens"] = tokens_;
  meta["target_tokens"] = targets_;
  meta["length_histogram"] = length_histogram_json(lengths_);
  write_file_atomic(tmp_ / "meta.json", meta.dump(2) + "\n");
  for (const auto& [name, content] : extra_files) write_file_atomic(tmp_ / name, content);

  // Into place: swap atomically with an existing store (then delete the old one), else rename.
  std::error_code ec;
  if (fs::exists(dir_, ec)) {
    // Never delete something that is not a store (a mistyped -o could name any folder).
    const bool store = fs::is_directory(dir_, ec) &&
                       (fs::exists(dir_ / "meta.json", ec) || fs::is_empty(dir_, ec));
    if (!store) {
      throw Error(dir_.string() + ": exists and is not a tokenized store; not replacing it");
    }
    if (::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) != 0) {
      throw Error(dir_.string() + ": cannot replace: " + std::strerror(errno));
    }
    fs::remove_all(tmp_, ec);  // now holds the old store
  } else if (::rename(tmp_.c_str(), dir_.c_str()) != 0) {
    throw Error(dir_.string() + ": cannot create: " + std::strerror(errno));
  }
  finished_ = true;
}

StoreReader::StoreReader(fs::path dir) : dir_(std::move(dir)) {
  if (!fs::is_directory(dir_)) throw Error(dir_.string() + ": not a tokenized store directory");
  const fs::path meta_path = dir_ / "meta.json";
  meta_ = read_json_file(meta_path);
  const std::string where = meta_path.string();
  if (!meta_.is_object() || !meta_.contains("format") || meta_["format"] != "longalign-store") {
    throw Error(where + ": not a longalign store's meta.json");
  }
  if (!meta_.contains("version") || meta_["version"] != kStoreFormatVersion) {
    throw Error(where + ": store format version " + meta_.value("version", Json(nullptr)).dump() +
                ", this program reads " + std::to_string(kStoreFormatVersion));
  }
  const auto count_of = [&](const char* key) {
    const Json& v = json_field(meta_, key, where);
    if (!v.is_number_unsigned()) throw Error(where + ": " + key + " is not a count");
    return v.get<uint64_t>();
  };
  const uint64_t samples = count_of("samples"), tokens = count_of("tokens");

  const fs::path index_path = dir_ / "index";
  const std::string index = read_file(index_path);
  // Compared by division: samples * 20 can wrap for a count no store holds.
  if (index.size() % kStoreIndexRecordSize != 0 ||
      index.size() / kStoreIndexRecordSize != samples) {
    throw Error(index_path.string() + ": " + std::to_string(index.size()) + " bytes, expected " +
                std::to_string(samples * kStoreIndexRecordSize) + " for " +
                std::to_string(samples) + " samples (truncated or inconsistent store)");
  }
  entries_.resize(samples);
  uint64_t next = 0;
  for (uint64_t i = 0; i < samples; ++i) {
    const auto* p =
        reinterpret_cast<const unsigned char*>(index.data()) + i * kStoreIndexRecordSize;
    Entry& e = entries_[i];
    e.offset = get_le(p, 8);
    e.length = static_cast<uint32_t>(get_le(p + 8, 4));
    e.targets = static_cast<uint32_t>(get_le(p + 12, 4));
    e.source = static_cast<uint32_t>(get_le(p + 16, 4));
    if (e.offset != next || e.targets > e.length) {
      throw Error(index_path.string() + ": record " + std::to_string(i) +
                  " is inconsistent (offset " + std::to_string(e.offset) + ", expected " +
                  std::to_string(next) + "; length " + std::to_string(e.length) + ", targets " +
                  std::to_string(e.targets) + ")");
    }
    next += e.length;
  }
  if (next != tokens) {
    throw Error(index_path.string() + ": samples hold " + std::to_string(next) +
                " tokens but meta.json says " + std::to_string(tokens));
  }
  const fs::path tokens_path = dir_ / "tokens.u32", mask_path = dir_ / "mask.u8";
  // A constructor that throws runs no destructor: what was mapped is unmapped here, or every
  // refused store would leave its files mapped for the life of the process.
  try {
    tokens_ = static_cast<const uint32_t*>(map_file(tokens_path, tokens_bytes_, tokens_map_));
    mask_ = static_cast<const uint8_t*>(map_file(mask_path, mask_bytes_, mask_map_));
    if (tokens_bytes_ / 4 != tokens || tokens_bytes_ % 4 != 0) {
      throw Error(tokens_path.string() + ": " + std::to_string(tokens_bytes_) +
                  " bytes, expected 4 per token for " + std::to_string(tokens) +
                  " tokens (truncated or inconsistent store)");
    }
    if (mask_bytes_ != tokens) {
      throw Error(mask_path.string() + ": " + std::to_string(mask_bytes_) + " bytes, expected " +
                  std::to_string(tokens) + " (truncated or inconsistent store)");
    }
  } catch (...) {
    unmap();
    throw;
  }
}

StoreReader::~StoreReader() {
  unmap();
}

void StoreReader::unmap() {
  if (tokens_map_) ::munmap(tokens_map_, tokens_bytes_);
  if (mask_map_) ::munmap(mask_map_, mask_bytes_);
  tokens_map_ = mask_map_ = nullptr;
}

std::span<const uint32_t> StoreReader::ids(size_t i) const {
  const Entry& e = entries_.at(i);
  return {tokens_ + e.offset, e.length};
}

std::span<const uint8_t> StoreReader::mask(size_t i) const {
  const Entry& e = entries_.at(i);
  return {mask_ + e.offset, e.length};
}

std::vector<Sample> StoreReader::samples() const {
  std::vector<Sample> out(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) out[i] = {entries_[i].length, entries_[i].targets};
  return out;
}

}  // namespace longalign::data
