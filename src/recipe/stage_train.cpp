// The train stage: a model from random weights when the recipe asks for one (RUN/init), then
// train::train (as `longalign train --resume`), and the loss curves of training and the held-out
// store in one chart.
#include "core/file_io.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "recipe/stages.h"
#include "text/tokenizer.h"
#include "train/distributed.h"
#include "train/loss_plot.h"
#include "train/loss_weights.h"
#include "train/lr_schedule.h"
#include "train/trainer.h"

namespace longalign::recipe {

namespace fs = std::filesystem;

namespace {

constexpr int kLossSmoothing = 20;  // steps in the moving average of the training loss

model::ModelConfig init_config(const ModelInit& m, size_t vocab, uint32_t max_tokens) {
  const Json config = {{"model_type", "llama"},
                       {"hidden_size", m.hidden},
                       {"num_hidden_layers", m.layers},
                       {"num_attention_heads", m.heads},
                       {"num_key_value_heads", m.kv_heads},
                       {"intermediate_size", m.intermediate},
                       {"vocab_size", vocab},
                       {"max_position_embeddings", max_tokens},
                       {"rms_norm_eps", 1e-5},
                       {"rope_theta", m.rope_theta},
                       {"hidden_act", "silu"},
                       {"initializer_range", 0.02},
                       {"tie_word_embeddings", false}};
  return model::parse_config(config, "train.init");
}

// Random weights from the recipe's seed, written to init.partial and renamed to `dir`.
void write_init_model(const Recipe& recipe, const fs::path& dir) {
  const auto tok = text::Tokenizer::load(recipe.tokenizer);
  const model::ModelConfig config =
      init_config(*recipe.train->init, tok.vocab_size(), recipe.data->max_length);
  model::Parameters params(config);
  model::init_parameters(params, config, recipe.seed);
  fs::path partial = dir;
  partial += ".partial";
  fs::remove_all(partial);
  model::save_model(partial, config, params);
  model::copy_tokenizer_files(recipe.tokenizer, partial);
  fs::remove_all(dir);
  fs::rename(partial, dir);
}

train::TrainOptions train_options(const Recipe& recipe, const RunPaths& paths,
                                  const RunContext& context) {
  const TrainStage& t = *recipe.train;
  train::TrainOptions o;
  o.model_dir = t.init ? paths.init : t.model;
  o.data_dir = paths.store;
  o.eval_dir = paths.test_store;
  o.plan_path = paths.plan;
  o.out_dir = paths.train;
  o.lr = t.lr;
  o.warmup_ratio = t.warmup_ratio;
  o.weight_decay = t.weight_decay;
  o.schedule = train::parse_schedule(t.schedule);
  o.loss = train::parse_loss_mode(t.loss);
  o.precision = model::parse_precision(t.dtype);
  o.max_steps = t.max_steps;
  o.save_every = t.save_every;
  o.eval_every = t.eval_every;
  o.log_every = t.log_every;
  o.keep_last = int(t.keep_last);
  o.resume = true;  // the runner clears RUN/train unless an interrupted run is to continue
  if (context.engine_for_device) o.make_engine = context.engine_for_device(t.device);
  return o;
}

// Training loss (smoothed) and held-out loss against steps, in one chart.
void write_loss_chart(const fs::path& metrics, const fs::path& output) {
  std::vector<std::string> warnings;
  train::MetricCurve loss = train::read_metric_curve(metrics, "loss", "step", warnings);
  loss.label = "train (moving average of " + std::to_string(kLossSmoothing) + " steps)";
  loss.y = train::moving_average(loss.y, kLossSmoothing);
  std::vector<train::MetricCurve> curves = {loss};
  train::MetricCurve held_out = train::read_metric_curve(metrics, "eval_loss", "step", warnings);
  held_out.label = "held-out";
  if (!held_out.y.empty()) curves.push_back(held_out);
  write_file_atomic(output, train::loss_plot_svg(curves, {}));
}

}  // namespace

// Under mpirun every rank calls it: rank 0 writes the files, the others wait for the model.
void run_train(const Recipe& recipe, const RunPaths& paths, const RunContext& context) {
  train::Communicator& world = train::Communicator::world();
  if (world.is_root() && recipe.train->init && !fs::exists(paths.init / "config.json"))
    write_init_model(recipe, paths.init);
  world.barrier();
  const train::TrainOptions o = train_options(recipe, paths, context);
  const train::TrainResult result = train::train(o, *context.log);
  if (result.interrupted) throw Error("training stopped by a signal; rerun to resume");
  if (world.is_root()) write_loss_chart(paths.train / "metrics.jsonl", paths.loss_svg);
}

}  // namespace longalign::recipe
