#include "export/gguf_export.h"

#include "core/error.h"
#include "export/gguf_writer.h"
#include "export/llama_cpp_hparams.h"
#include "export/llama_cpp_tensors.h"
#include "export/llama_cpp_vocab.h"
#include "export/tensor_encoding.h"
#include "model/config.h"
#include "model/safetensors.h"

namespace longalign::gguf {

namespace fs = std::filesystem;

namespace {

// llama.cpp's llama_ftype of each file type.
uint32_t llama_ftype(FileType type) {
  switch (type) {
    case FileType::f32:
      return 0;
    case FileType::f16:
      return 1;
    case FileType::q8_0:
      return 7;
    case FileType::bf16:
      return 32;
  }
  return 0;
}

TensorType weight_type(FileType type) {
  switch (type) {
    case FileType::f32:
      return TensorType::f32;
    case FileType::f16:
      return TensorType::f16;
    case FileType::bf16:
      return TensorType::bf16;
    case FileType::q8_0:
      return TensorType::q8_0;
  }
  return TensorType::f32;
}

// The folder's name, for general.name ("out/model/" is "model").
std::string model_name(const fs::path& model_dir) {
  fs::path p = fs::absolute(model_dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

// Every tensor present with the expected shape, checked before the file is started.
void check_tensors(const model::SafetensorsReader& reader, const std::vector<ExportTensor>& plan,
                   const fs::path& model_dir) {
  for (const ExportTensor& t : plan) {
    if (t.hf_name.empty()) continue;
    if (!reader.contains(t.hf_name)) {
      throw Error(model_dir.string() + ": missing tensor " + t.hf_name);
    }
    const model::TensorInfo& info = reader.info(t.hf_name);
    if (info.shape != t.hf_shape) {
      std::string got, want;
      for (const int64_t d : info.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
      for (const int64_t d : t.hf_shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
      throw Error(info.file + ": tensor " + t.hf_name + ": shape [" + got + "], config.json " +
                  "gives [" + want + "]");
    }
  }
}

// One tensor's fp32 values in llama.cpp's layout.
std::vector<float> tensor_values(const model::SafetensorsReader& reader, const ExportTensor& t,
                                 const model::ModelConfig& config) {
  if (t.hf_name.empty()) return t.values;
  int64_t n = 1;
  for (const int64_t d : t.hf_shape) n *= d;
  std::vector<float> values(static_cast<size_t>(n));
  reader.read_f32(t.hf_name, t.hf_shape, values.data());
  if (t.permute_heads > 0) {
    permute_rope_rows(values.data(), t.permute_heads, config.head_dim, t.hf_shape[1]);
  }
  return values;
}

}  // namespace

FileType parse_file_type(const std::string& name) {
  if (name == "f32") return FileType::f32;
  if (name == "f16") return FileType::f16;
  if (name == "bf16") return FileType::bf16;
  if (name == "q8_0") return FileType::q8_0;
  throw UsageError("--type must be f32, f16, bf16 or q8_0, not '" + name + "'");
}

ExportSummary export_gguf(const fs::path& model_dir, const fs::path& output, FileType type) {
  const fs::path config_file = model_dir / "config.json";
  const model::ModelConfig config = model::load_config(config_file);
  ExportSummary summary;
  summary.architecture = llama_cpp_architecture(config, config_file.string());
  const std::vector<ExportTensor> plan = plan_tensors(config);
  const LlamaCppVocab vocab = read_llama_cpp_vocab(model_dir, config);
  const model::SafetensorsReader reader(model_dir);
  check_tensors(reader, plan, model_dir);

  Writer writer;
  add_model_metadata(writer, config, summary.architecture, model_name(model_dir),
                     llama_ftype(type));
  add_vocab_metadata(writer, vocab);
  for (const ExportTensor& t : plan) {
    TensorType tensor_type = t.keep_f32 ? TensorType::f32 : weight_type(type);
    // As llama.cpp's converter does: Q8_0 blocks run along rows, so other rows stay F16.
    if (tensor_type == TensorType::q8_0 && t.gguf_dims()[0] % 32 != 0) {
      tensor_type = TensorType::f16;
      summary.f16_fallbacks.push_back(t.name);
    }
    writer.add_tensor({t.name, t.gguf_dims(), tensor_type});
  }
  writer.write(output, [&](size_t i) {
    const std::vector<float> values = tensor_values(reader, plan[i], config);
    return encode_tensor(writer.tensors()[i].type, values.data(),
                         static_cast<int64_t>(values.size()));
  });
  summary.tensors = static_cast<int64_t>(plan.size());
  summary.bytes = fs::file_size(output);
  summary.notes = vocab.notes;
  return summary;
}

}  // namespace longalign::gguf
