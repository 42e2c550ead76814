// libFuzzer target for the tokenized store reader (data/store.h) on corrupted and truncated
// stores.
//
// The first byte picks the mode:
//   0x00-0x3F  raw: the rest is cut into meta.json, index, tokens.u32 and mask.u8 (lengths chosen
//              by the input), so every file holds arbitrary bytes.
//   0x40-0xFF  structured: a valid store is written with StoreWriter (samples, lengths and masks
//              from the input), then damaged the ways disks and people damage files: a file
//              truncated, removed or grown, bytes of the index overwritten, a meta.json field
//              replaced with a value of another type or size.
// A longalign::Error is the right answer to a damaged store. A store that opens must be one
// training can read without leaving its files: every sample lies inside tokens.u32 and mask.u8,
// the samples follow each other, and each has no more targets than tokens.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"
#include "data/store.h"
#include "fuzz_support.h"

namespace {

namespace fs = std::filesystem;
using longalign::Json;
using longalign::data::StoreReader;
using longalign::data::StoreWriter;
using longalign::fuzz::finding;
using longalign::fuzz::scratch_dir;
using longalign::fuzz::write_bytes;

const char* const kFiles[] = {"meta.json", "index", "tokens.u32", "mask.u8"};

void raw_store(FuzzedDataProvider& in, const fs::path& dir) {
  for (const char* name : kFiles) {
    const size_t length = in.ConsumeIntegralInRange<size_t>(0, 4096);
    write_bytes(dir / name, in.ConsumeBytesAsString(length));
  }
}

Json odd_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
      return -1;
    case 1:
      return "3";
    case 2:
      return nullptr;
    case 3:
      return 1.5;
    case 4:
      return in.ConsumeIntegral<uint64_t>();
    case 5:
      return Json::array();
    case 6:
      return uint64_t{1} << in.ConsumeIntegralInRange(30, 63);
    default:
      return in.ConsumeIntegralInRange<uint64_t>(0, 64);
  }
}

void damage(FuzzedDataProvider& in, const fs::path& dir) {
  const int rounds = in.ConsumeIntegralInRange(0, 3);
  for (int r = 0; r < rounds; ++r) {
    const fs::path file = dir / kFiles[in.ConsumeIntegralInRange(0, 3)];
    std::string bytes = fs::exists(file) ? longalign::read_file(file) : std::string();
    switch (in.ConsumeIntegralInRange(0, 5)) {
      case 0:
        bytes.resize(in.ConsumeIntegralInRange<size_t>(0, bytes.size()));
        break;
      case 1:
        fs::remove(file);
        continue;
      case 2:
        bytes += in.ConsumeBytesAsString(in.ConsumeIntegralInRange<size_t>(1, 24));
        break;
      case 3: {
        Json meta = longalign::parse_json(longalign::read_file(dir / "meta.json"), "meta.json");
        static const char* const kKeys[] = {"format", "version", "samples", "tokens"};
        meta[kKeys[in.ConsumeIntegralInRange(0, 3)]] = odd_value(in);
        write_bytes(dir / "meta.json", meta.dump());
        continue;
      }
      default:
        if (!bytes.empty()) {
          const size_t at = in.ConsumeIntegralInRange<size_t>(0, bytes.size() - 1);
          const std::string patch = in.ConsumeBytesAsString(8);
          bytes.replace(at, std::min(patch.size(), bytes.size() - at), patch);
        }
    }
    write_bytes(file, bytes);
  }
}

void structured_store(FuzzedDataProvider& in, const fs::path& dir) {
  {
    StoreWriter writer(dir, {"tokenizer.json", "0123456789abcdef", "plain", 64, "right", {}});
    const int samples = in.ConsumeIntegralInRange(0, 6);
    for (int s = 0; s < samples; ++s) {
      const size_t length = in.ConsumeIntegralInRange<size_t>(0, 40);
      std::vector<uint32_t> ids(length);
      std::vector<uint8_t> mask(length);
      for (size_t i = 0; i < length; ++i) {
        ids[i] = in.ConsumeIntegralInRange<uint32_t>(0, 1000);
        mask[i] = in.ConsumeBool();
      }
      writer.add(ids, mask, in.ConsumeIntegralInRange<uint32_t>(0, 2));
    }
    writer.finish();
  }
  damage(in, dir);
}

void check_opened(const StoreReader& store, const fs::path& dir) {
  const uint64_t tokens = fs::file_size(dir / "tokens.u32") / 4;
  const uint64_t mask_bytes = fs::file_size(dir / "mask.u8");
  uint64_t next = 0;
  for (size_t i = 0; i < store.size(); ++i) {
    const StoreReader::Entry& e = store.entry(i);
    if (e.offset != next || e.targets > e.length) finding("inconsistent index record accepted");
    next += e.length;
    if (next > tokens || next > mask_bytes) finding("a sample lies past the end of the store");
    if (store.ids(i).size() != e.length || store.mask(i).size() != e.length) {
      finding("a sample's spans do not match its length");
    }
  }
  if (store.samples().size() != store.size()) finding("samples() does not list every sample");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const fs::path dir = scratch_dir() / "store";
  fs::remove_all(dir);
  FuzzedDataProvider in(data + 1, size - 1);
  try {
    if (data[0] < 0x40) {
      raw_store(in, dir);
    } else {
      structured_store(in, dir);
    }
    const StoreReader store(dir);
    check_opened(store, dir);
  } catch (const longalign::Error&) {
    // A clear error is the right answer to a damaged store.
  }
  return 0;
}
