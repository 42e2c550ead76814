// libFuzzer target for the safetensors reader (model/safetensors.h): the header JSON, data
// offsets, dtypes and shapes of one file, and the shard index of a sharded folder.
//
// The first byte picks the mode:
//   0x00-0x3F  raw: the rest is a .safetensors file.
//   0x40-0xBF  structured file: choices that assemble a file from tensors with every dtype of the
//              format (and unknown ones), shapes with zero, large and negative dims, data offsets
//              that mostly tile the data and sometimes overlap, leave gaps, run backwards or past
//              the end, a header length that is sometimes wrong, and data bytes from the input.
//   0xC0-0xFF  structured folder: one to three such shards and a model.safetensors.index.json
//              whose weight_map mostly matches them, sometimes naming a missing tensor, the wrong
//              shard, a file that does not exist or a path out of the folder.
// Every tensor that opens is then read with its own shape (which must succeed) and with a wrong
// one (which must be an Error). longalign::Error is the only acceptable failure.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "fuzz_support.h"
#include "model/safetensors.h"

namespace {

namespace fs = std::filesystem;
using longalign::Json;
using longalign::fuzz::finding;
using longalign::fuzz::scratch_dir;
using longalign::fuzz::write_bytes;
using longalign::model::SafetensorsReader;

const char* const kDtypes[] = {"F32", "BF16", "F16", "I8", "U8", "BOOL", "I64", "F64", "X9", ""};
int64_t dtype_size(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "BF16" || dtype == "F16") return 2;
  if (dtype == "I64" || dtype == "F64") return 8;
  return 1;
}

Json shape_of(FuzzedDataProvider& in, int64_t& numel) {
  Json shape = Json::array();
  numel = 1;
  const int rank = in.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < rank; ++i) {
    const int kind = in.ConsumeIntegralInRange(0, 15);
    int64_t d = in.ConsumeIntegralInRange<int64_t>(0, 6);
    if (kind == 0) d = int64_t{1} << in.ConsumeIntegralInRange(20, 62);
    if (kind == 1) {
      shape.push_back(-1);
      continue;
    }
    shape.push_back(d);
    numel = d > 0 && numel > INT64_MAX / d ? INT64_MAX : numel * d;
  }
  return shape;
}

// One safetensors file; the names of its tensors are appended to `names`.
std::string structured_file(FuzzedDataProvider& in, const std::string& prefix,
                            std::vector<std::string>& names) {
  Json header = Json::object();
  if (in.ConsumeBool()) header["__metadata__"] = {{"format", "pt"}};
  int64_t offset = 0;
  const int count = in.ConsumeIntegralInRange(0, 5);
  for (int i = 0; i < count; ++i) {
    const std::string dtype = kDtypes[in.ConsumeIntegralInRange(0, 9)];
    int64_t numel = 0;
    Json entry = {{"dtype", dtype}, {"shape", shape_of(in, numel)}};
    int64_t bytes = numel < (int64_t{1} << 20) ? numel * dtype_size(dtype) : 8;
    int64_t begin = offset;
    switch (in.ConsumeIntegralInRange(0, 11)) {
      case 0:
        begin = in.ConsumeIntegralInRange<int64_t>(0, offset + 8);
        break;
      case 1:
        bytes += in.ConsumeIntegralInRange<int64_t>(-3, 3);
        break;
      case 2:
        entry["data_offsets"] = {offset, offset - 1};
        break;
      case 3:
        entry["data_offsets"] = {-1, bytes};
        break;
      case 4:
        entry.erase(in.ConsumeBool() ? "dtype" : "shape");
        break;
      default:
        break;
    }
    if (!entry.contains("data_offsets")) entry["data_offsets"] = {begin, begin + bytes};
    offset = std::max(offset, begin + bytes);
    const std::string name = prefix + std::to_string(in.ConsumeIntegralInRange(0, count));
    header[name] = entry;
    names.push_back(name);
  }
  const std::string text = header.dump();
  uint64_t length = text.size();
  if (in.ConsumeIntegralInRange(0, 15) == 0) length += in.ConsumeIntegralInRange<int64_t>(-4, 4);
  std::string file(8, '\0');
  std::memcpy(file.data(), &length, 8);
  file += text;
  const int64_t data_bytes =
      std::min<int64_t>(offset + in.ConsumeIntegralInRange<int64_t>(-4, 1), int64_t{1} << 22);
  std::string data = in.ConsumeBytesAsString(static_cast<size_t>(std::max<int64_t>(data_bytes, 0)));
  data.resize(static_cast<size_t>(std::max<int64_t>(data_bytes, 0)), '\x3f');
  return file + data;
}

fs::path structured_folder(FuzzedDataProvider& in) {
  const fs::path dir = scratch_dir() / "sharded";
  fs::remove_all(dir);
  Json weight_map = Json::object();
  const int shards = in.ConsumeIntegralInRange(1, 3);
  for (int s = 0; s < shards; ++s) {
    const std::string shard = "model-0000" + std::to_string(s + 1) + ".safetensors";
    std::vector<std::string> names;
    // Built with append: g++ 12 at -O3 warns falsely (-Wrestrict) about "s" + to_string(s).
    std::string prefix = "s";
    prefix.append(std::to_string(s)).append(".t");
    write_bytes(dir / shard, structured_file(in, prefix, names));
    for (const std::string& name : names) {
      switch (in.ConsumeIntegralInRange(0, 15)) {
        case 0:
          break;  // left out of the index
        case 1:
          weight_map[name] =
              "model-0000" + std::to_string(in.ConsumeIntegralInRange(1, 4)) + ".safetensors";
          break;
        case 2:
          weight_map[name] = "../outside.safetensors";
          break;
        case 3:
          weight_map[name] = 7;
          break;
        default:
          weight_map[name] = shard;
      }
    }
  }
  if (in.ConsumeBool()) weight_map["missing.weight"] = "model-00001.safetensors";
  Json index = {{"metadata", {{"total_size", 0}}}};
  if (in.ConsumeIntegralInRange(0, 15) != 0) index["weight_map"] = weight_map;
  write_bytes(dir / "model.safetensors.index.json", index.dump());
  return dir;
}

void read_everything(const fs::path& path) {
  const SafetensorsReader reader(path);
  for (const std::string& name : reader.names()) {
    std::vector<int64_t> shape;
    int64_t numel = 0;
    try {
      const auto& info = reader.info(name);
      shape = info.shape;
      numel = 1;
      for (int64_t d : shape) numel *= d;
    } catch (const longalign::Error&) {
      continue;  // a tensor of a dtype we do not convert is listed, and refused when read
    }
    std::vector<float> values(static_cast<size_t>(numel) + 1);
    reader.read_f32(name, shape, values.data());
    std::vector<int64_t> wrong = shape;
    wrong.push_back(1);
    try {
      reader.read_f32(name, wrong, values.data());
      finding("tensor " + name + " was read with a shape it does not have");
    } catch (const longalign::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  try {
    if (data[0] < 0x40) {
      const fs::path file = scratch_dir() / "raw.safetensors";
      write_bytes(file, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
      read_everything(file);
    } else if (data[0] < 0xC0) {
      FuzzedDataProvider in(data + 1, size - 1);
      std::vector<std::string> names;
      const fs::path file = scratch_dir() / "structured.safetensors";
      write_bytes(file, structured_file(in, "t", names));
      read_everything(file);
    } else {
      FuzzedDataProvider in(data + 1, size - 1);
      read_everything(structured_folder(in));
    }
  } catch (const longalign::Error&) {
    // A clear error is the right answer to a bad file.
  }
  return 0;
}
