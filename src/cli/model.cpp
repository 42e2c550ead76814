// longalign model init: a randomly initialised model folder from a config.json.
// longalign model export --gguf: a model folder as one GGUF file for llama.cpp and Ollama.
// longalign score: each sample's mean loss over its target tokens.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/device.h"
#include "core/error.h"
#include "data/store.h"
#include "export/gguf_export.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "train/score.h"

namespace longalign::cli {
namespace {

namespace fs = std::filesystem;

struct InitArgs {
  std::string config, output, tokenizer, dtype = "fp32";
  uint64_t seed = 0;
};

void run_init(const InitArgs& a) {
  const model::ModelConfig config = model::load_config(a.config);
  model::Parameters params(config);
  model::init_parameters(params, config, a.seed);
  model::SaveOptions save;
  if (a.dtype == "bf16") {
    save.dtype = model::TensorDType::bf16;
  } else if (a.dtype != "fp32") {
    throw UsageError("--dtype must be fp32 or bf16, not '" + a.dtype + "'");
  }
  model::save_model(a.output, config, params, save);
  if (!a.tokenizer.empty() && model::copy_tokenizer_files(a.tokenizer, a.output) == 0) {
    throw Error(a.tokenizer + ": no tokenizer files found");
  }
  std::cerr << "wrote a " << model::family_name(config.family) << " model (" << config.layers
            << " layers, hidden " << config.hidden << ") to " << a.output << "\n";
}

struct ExportArgs {
  std::string model, gguf, type = "f16";
};

void run_export(const ExportArgs& a) {
  const gguf::FileType type = gguf::parse_file_type(a.type);
  const gguf::ExportSummary s = gguf::export_gguf(a.model, a.gguf, type);
  std::cerr << "wrote " << a.gguf << ": " << s.architecture << ", " << a.type << ", " << s.tensors
            << " tensors, " << std::fixed << std::setprecision(1)
            << static_cast<double>(s.bytes) / (1 << 20) << " MiB\n";
  if (!s.f16_fallbacks.empty()) {
    std::cerr << "note: " << s.f16_fallbacks.size()
              << " tensors stay f16: their rows are not a multiple of q8_0's 32-value blocks\n";
  }
  for (const std::string& note : s.notes) std::cerr << "note: " << note << "\n";
}

struct ScoreArgs {
  std::string model, store, dtype = "bf16", device = "auto";
  int64_t max_tokens = 16384;
  bool json = false, continuous_positions = false;
};

void run_score(const ScoreArgs& a) {
  const model::ModelConfig config = model::load_config(a.model);
  model::Parameters params(config);
  model::load_parameters(params, config, a.model);
  const data::StoreReader store(a.store);
  train::ScoreOptions options;
  options.precision = model::parse_precision(a.dtype);
  if (a.max_tokens < 1) throw UsageError("--max-tokens must be at least 1");
  options.max_tokens = a.max_tokens;
  if (a.continuous_positions) options.positions = model::PackPositions::continuous;
  double total = 0;
  int64_t scored = 0, correct = 0;
  const auto engine = engine_for_device(a.device)(config, params, nullptr);
  engine->upload();
  for (const train::SampleScore& s : train::score_store(*engine, store, options)) {
    if (a.json) {
      std::cout << Json{{"index", s.index},
                        {"tokens", s.tokens},
                        {"targets", s.targets},
                        {"loss", s.targets ? Json(s.mean_loss()) : Json(nullptr)},
                        {"greedy_correct", s.greedy_correct}}
                       .dump()
                << "\n";
    } else {
      std::cout << s.index << "\t" << s.targets << "\t";
      if (s.targets) std::cout << s.mean_loss();
      std::cout << "\n";
    }
    if (s.targets) {
      total += s.mean_loss();
      ++scored;
      correct += s.greedy_correct;
    }
  }
  if (!a.json && scored) {
    std::cerr << "mean of per-sample losses: " << total / scored << "; answers greedy decoding "
              << "reproduces exactly: " << correct << " of " << scored << "\n";
  }
}

}  // namespace

void add_model_command(CLI::App& app) {
  CLI::App* model = app.add_subcommand("model", "Model folders");
  model->require_subcommand(1);
  auto init = std::make_shared<InitArgs>();
  CLI::App* cmd = model->add_subcommand(
      "init", "Write a randomly initialised model folder (normal(0, initializer_range))");
  cmd->add_option("--config", init->config, "config.json or a folder holding one")->required();
  cmd->add_option("-o,--output", init->output, "Model folder to write")->required();
  cmd->add_option("--seed", init->seed, "Seed of the initial weights");
  cmd->add_option("--dtype", init->dtype, "Weights on disk: fp32 (default) or bf16");
  cmd->add_option("--tokenizer", init->tokenizer, "Folder whose tokenizer files are copied along");
  cmd->callback([init] { run_init(*init); });

  auto export_args = std::make_shared<ExportArgs>();
  CLI::App* export_cmd = model->add_subcommand(
      "export", "Write a model folder as a GGUF file for llama.cpp, Ollama and node-llama-cpp");
  export_cmd
      ->add_option("model", export_args->model,
                   "Model folder (config.json, safetensors, tokenizer)")
      ->required();
  export_cmd->add_option("--gguf", export_args->gguf, "GGUF file to write")->required();
  export_cmd->add_option("--type", export_args->type,
                         "Weights: f32, f16 (default), bf16 or q8_0; norms and biases stay f32");
  export_cmd->callback([export_args] { run_export(*export_args); });
}

void add_score_command(CLI::App& app) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "score",
      "Print each sample's mean loss over its target tokens (index, targets, loss); --json adds "
      "whether greedy decoding reproduces its answer");
  cmd->add_option("--model", args->model, "Model folder")->required();
  cmd->add_option("store", args->store, "Tokenized store (longalign data prepare)")->required();
  cmd->add_option("--dtype", args->dtype, "bf16 (default) or fp32 products");
  cmd->add_option("--device", args->device, device_option_help());
  cmd->add_option("--max-tokens", args->max_tokens, "Tokens per pack (default 16384)");
  cmd->add_flag("--continuous-positions", args->continuous_positions,
                "Positions run on across a pack instead of restarting per sample");
  cmd->add_flag("--json", args->json, "One JSON object per sample");
  cmd->callback([args] { run_score(*args); });
}

}  // namespace longalign::cli
