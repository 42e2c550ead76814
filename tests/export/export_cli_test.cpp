// `longalign model export --gguf` as a user runs it: the metadata llama.cpp reads, as
// node-llama-cpp's own GGUF parser sees it, and the errors, none of which leaves a file behind.
#include <gtest/gtest.h>

#include "llama_cpp_fixture.h"

namespace longalign::testing {
namespace {

CliResult run_export(const fs::path& model, const fs::path& out, const std::string& type) {
  return run_longalign(
      shell_words({"model", "export", "--gguf", out.string(), "--type", type, model.string()}));
}

// Nothing but `keep` in the folder: no output, no temporary.
void expect_only(const fs::path& folder, const std::vector<std::string>& keep) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    EXPECT_NE(std::find(keep.begin(), keep.end(), name), keep.end()) << "left behind: " << name;
  }
}

TEST(ExportCli, MetadataIsWhatLlamaCppReads) {
  TempDir dir;
  const fs::path model = make_tiny_model(dir, tiny_model("llama3_rope"));
  const fs::path gguf = dir.path() / "out.gguf";
  const CliResult r = run_export(model, gguf, "q8_0");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "llama, q8_0, 21 tensors")) << r.err;

  const Json info = run_llama_cpp(dir, {{"gguf", gguf.string()}, {"task", "metadata"}});
  EXPECT_EQ(info["version"], 3);
  const Json& m = info["metadata"];
  EXPECT_EQ(m["general"]["architecture"], "llama");
  EXPECT_EQ(m["general"]["name"], "llama3_rope");
  EXPECT_EQ(m["general"]["file_type"], 7);
  const Json& llama = m["llama"];
  EXPECT_EQ(llama["context_length"], 512);
  EXPECT_EQ(llama["embedding_length"], 64);
  EXPECT_EQ(llama["block_count"], 2);
  EXPECT_EQ(llama["feed_forward_length"], 96);
  EXPECT_EQ(llama["attention"]["head_count"], 4);
  EXPECT_EQ(llama["attention"]["head_count_kv"], 2);
  EXPECT_EQ(llama["rope"]["dimension_count"], 16);
  EXPECT_FLOAT_EQ(llama["rope"]["freq_base"].get<float>(), 10000.0f);
  EXPECT_FLOAT_EQ(llama["attention"]["layer_norm_rms_epsilon"].get<float>(), 1e-5f);
  const Json& tok = m["tokenizer"];
  EXPECT_EQ(tok["ggml"]["model"], "gpt2");
  EXPECT_EQ(tok["ggml"]["pre"], "llama-bpe");
  EXPECT_EQ(tok["ggml"]["bos_token_id"], 128000);
  EXPECT_EQ(tok["ggml"]["eos_token_id"], 128001);
  EXPECT_EQ(tok["chat_template"], read_json_file(model / "tokenizer_config.json")["chat_template"]);

  // Tied embeddings: no output.weight; llama3 RoPE: rope_freqs.weight, F32 like every 1-D
  // tensor; the matrices Q8_0 (ggml type 8), offsets aligned to 32 bytes.
  std::map<std::string, Json> tensors;
  for (const Json& t : info["tensors"]) tensors[t["name"].get<std::string>()] = t;
  EXPECT_EQ(tensors.count("output.weight"), 0u);
  EXPECT_EQ(tensors.at("rope_freqs.weight")["dims"], Json::array({8}));
  EXPECT_EQ(tensors.at("rope_freqs.weight")["type"], 0);
  EXPECT_EQ(tensors.at("blk.1.attn_norm.weight")["type"], 0);
  EXPECT_EQ(tensors.at("blk.0.attn_k.weight")["dims"], Json::array({64, 32}));
  EXPECT_EQ(tensors.at("blk.0.attn_k.weight")["type"], 8);
  EXPECT_EQ(tensors.at("token_embd.weight")["dims"], Json::array({64, 128256}));
  for (const auto& [name, t] : tensors) EXPECT_EQ(t["offset"].get<uint64_t>() % 32, 0u) << name;
}

// Q8_0 blocks run along rows: a matrix whose rows are not a multiple of 32 (ffn_down's, of
// intermediate_size 72) stays F16, as in llama.cpp's converter, and the export says so.
TEST(ExportCli, Q8_0KeepsRowsThatAreNotWholeBlocksInF16) {
  TempDir dir;
  TinyModelSpec spec = tiny_model("llama");
  const std::string from = "\"intermediate_size\": 96";
  spec.config.replace(spec.config.find(from), from.size(), "\"intermediate_size\": 72");
  const fs::path model = make_tiny_model(dir, spec), gguf = dir.path() / "out.gguf";
  const CliResult r = run_export(model, gguf, "q8_0");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "note: 2 tensors stay f16")) << r.err;
  const Json info = run_llama_cpp(dir, {{"gguf", gguf.string()}, {"task", "metadata"}});
  for (const Json& t : info["tensors"]) {
    const std::string name = t["name"];
    const int expected = name.ends_with("ffn_down.weight") ? 1  // F16
                         : name.ends_with("_norm.weight")  ? 0  // F32
                                                           : 8;  // Q8_0
    EXPECT_EQ(t["type"], expected) << name;
  }
}

// A tensor config.json calls for that the safetensors lack is named, before any file is begun.
TEST(ExportCli, AMissingTensorIsNamed) {
  TempDir dir;
  const fs::path model = make_tiny_model(dir, tiny_model("llama"));
  const model::ModelConfig config = model::load_config(model);
  model::Parameters params(config);
  model::load_parameters(params, config, model);
  std::vector<model::SafetensorsEntry> entries;
  for (const model::HfTensor& t : model::hf_tensors(config)) {
    if (t.name == "model.layers.1.mlp.up_proj.weight") continue;
    entries.push_back({t.name, t.shape, params.data() + t.offset});
  }
  model::write_safetensors(model, entries, model::TensorDType::f32, int64_t{1} << 40);
  const CliResult r = run_export(model, dir.path() / "out.gguf", "f16");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(
      contains(r.err, model.string() + ": missing tensor model.layers.1.mlp.up_proj.weight"))
      << r.err;
  expect_only(dir.path(), {"llama"});
}

TEST(ExportCli, ChatglmIsRefusedByName) {
  TempDir dir;
  const fs::path config = dir.write(
      "config.json",
      R"({"model_type": "chatglm", "hidden_size": 32, "num_layers": 1, "num_attention_heads": 4,
          "kv_channels": 8, "ffn_hidden_size": 32, "padded_vocab_size": 32000, "seq_length": 64,
          "layernorm_epsilon": 1e-5})");
  const fs::path model = dir.path() / "glm", out = dir.path() / "glm.gguf";
  ASSERT_EQ(
      run_longalign(shell_words({"model", "init", "--config", config.string(), "-o", model.string(),
                                 "--tokenizer", npm_tokenizer_dir("llama2").string()}))
          .code,
      0);
  const CliResult r = run_export(model, out, "f16");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, (model / "config.json").string() + ": model_type chatglm: not "))
      << r.err;
  expect_only(dir.path(), {"config.json", "glm"});
}

TEST(ExportCli, AMissingTokenizerIsAnErrorNamingTheFile) {
  TempDir dir;
  const fs::path model = make_tiny_model(dir, tiny_model("llama"));
  fs::remove(model / "tokenizer.json");
  const CliResult r = run_export(model, dir.path() / "out.gguf", "f16");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, (model / "tokenizer.json").string() + ": missing")) << r.err;
  expect_only(dir.path(), {"llama"});
}

TEST(ExportCli, AnUnknownTypeIsAUsageError) {
  TempDir dir;
  const fs::path model = make_tiny_model(dir, tiny_model("llama"));
  const CliResult r = run_export(model, dir.path() / "out.gguf", "q4_0");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--type must be f32, f16, bf16 or q8_0, not 'q4_0'")) << r.err;
  expect_only(dir.path(), {"llama"});
}

// GPT-4o's pre-tokenizer is none that llama.cpp implements for a gpt2 vocabulary here: refused,
// rather than written as a file that tokenizes differently. An existing output stays as it was.
TEST(ExportCli, AnUnknownPreTokenizerIsRefusedAndTheOldFileKept) {
  TempDir dir;
  const fs::path model = make_tiny_model(dir, tiny_model("llama"));
  for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
    fs::copy_file(npm_tokenizer_dir("gpt4o") / name, model / name,
                  fs::copy_options::overwrite_existing);
  }
  const fs::path out = dir.write("out.gguf", "old");
  const CliResult r = run_export(model, out, "f16");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(
      r.err, (model / "tokenizer.json").string() + ": pre_tokenizer: not one llama.cpp implements"))
      << r.err;
  EXPECT_EQ(read_text_file(out), "old");
  expect_only(dir.path(), {"llama", "out.gguf"});
}

TEST(ExportCli, ATokenizerLargerThanTheEmbeddingIsAnError) {
  TempDir dir;
  const fs::path model = make_tiny_model(dir, tiny_model("llama"));
  for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
    fs::copy_file(npm_tokenizer_dir("qwen3") / name, model / name,
                  fs::copy_options::overwrite_existing);
  }
  const CliResult r = run_export(model, dir.path() / "out.gguf", "f16");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "151669 tokens, more than config.json's vocab_size 32000")) << r.err;
  expect_only(dir.path(), {"llama"});
}

}  // namespace
}  // namespace longalign::testing
