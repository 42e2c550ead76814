#include "train/trainer.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <thread>

#include "core/error.h"
#include "core/file_io.h"
#include "data/plan_file.h"
#include "data/store.h"
#include "model/config.h"
#include "model/parameters.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/metrics_log.h"
#include "train/micro_batch.h"
#include "train/resume_state.h"
#include "train/score.h"
#include "train/stop_request.h"

namespace longalign::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Several ranks on one machine share its cores: unless OMP_NUM_THREADS says otherwise, each rank
// takes its share, so the ranks' OpenMP teams do not fight over the same cores.
void share_cores_between_local_ranks(const Communicator& comm) {
  if (comm.size() == 1 || std::getenv("OMP_NUM_THREADS")) return;
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int ranks_here = local ? std::max(1, std::atoi(local)) : comm.size();
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  omp_set_num_threads(std::max(1, cores / ranks_here));
}

// A sample's target tokens as the loss counts them: mask bits after the first token (the first
// token has nothing before it to predict it).
int64_t loss_targets(const data::StoreReader& store, uint32_t id) {
  return int64_t{store.entry(id).targets} - (store.mask(id)[0] != 0);
}

StepCounts step_counts(const data::Step& step, const data::StoreReader& store) {
  StepCounts c;
  c.k = step.k;
  c.m = step.m;
  for (const auto& rank : step.ranks) {
    for (const data::MicroBatch& mb : rank) {
      for (uint32_t id : mb) c.target_tokens += loss_targets(store, id);
    }
  }
  return c;
}

// What the ranks computed in one step, summed over ranks.
struct StepTotals {
  double loss = 0, tokens = 0, padding = 0, targets = 0, sequences = 0;

  void allreduce(Communicator& comm) {
    for (double* v : {&loss, &tokens, &padding, &targets, &sequences}) *v = comm.allreduce_sum(*v);
  }
};

std::string format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds);
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%ldh%02ldm", long(s / 3600), long(s / 60 % 60));
  } else {
    std::snprintf(text, sizeof text, "%ldm%02lds", long(s / 60), long(s % 60));
  }
  return text;
}

class Trainer {
 public:
  Trainer(const TrainOptions& o, std::ostream& log);
  TrainResult run();

 private:
  int64_t resume();
  void save_final_model(const fs::path& dir);
  StepTotals run_step(const data::Step& step);
  void report(int64_t step, const data::Step& planned, const StepTotals& t, double lr,
              double grad_norm, double seconds, double eta);
  void evaluate(int64_t step);
  void save(int64_t step);

  const TrainOptions& o_;
  std::ostream& log_;
  Communicator& comm_;
  const model::ModelConfig config_;
  model::Parameters params_;  // the host copy: loaded, checkpointed and saved
  const data::StoreReader store_;
  const data::Plan plan_;
  const std::string plan_hash_;
  AdamW adamw_;  // the host copy of the optimizer state
  std::unique_ptr<Engine> engine_;
  model::StepOptions step_options_;
  MicroBatchShape shape_;
  std::unique_ptr<MetricsLog> metrics_;  // rank 0 only
  int64_t total_steps_ = 0, start_step_ = 0;
  double run_seconds_ = 0;
  bool terminal_ = false;
};

Trainer::Trainer(const TrainOptions& o, std::ostream& log)
    : o_(o),
      log_(log),
      comm_(Communicator::world()),
      config_(model::load_config(o.model_dir)),
      params_(config_),
      store_(o.data_dir),
      plan_(data::load_plan(o.plan_path)),
      plan_hash_(data::store_file_hash(o.plan_path)),
      adamw_(config_, params_.size(), AdamWOptions{o.beta1, o.beta2, o.eps, o.weight_decay}) {
  if (plan_.sample_count != store_.size()) {
    throw Error(o.plan_path.string() + ": planned for " + std::to_string(plan_.sample_count) +
                " samples, but " + o.data_dir.string() + " holds " + std::to_string(store_.size()));
  }
  if (plan_.options.world_size != static_cast<uint32_t>(comm_.size())) {
    throw Error(o.plan_path.string() + ": planned for " + std::to_string(plan_.options.world_size) +
                " ranks, but running on " + std::to_string(comm_.size()) +
                " (data plan --world-size)");
  }
  model::load_parameters(params_, config_, o.model_dir);
  engine_ = (o.make_engine ? o.make_engine : make_cpu_engine)(config_, params_, &adamw_);
  engine_->upload();
  total_steps_ = static_cast<int64_t>(plan_.steps.size());
  if (o.max_steps > 0) total_steps_ = std::min(total_steps_, o.max_steps);
  step_options_.precision = o.precision;
  step_options_.recompute = o.recompute;
  shape_.pad_to_longest = plan_.options.method != data::Method::kPack;
  shape_.positions = o.positions;
  shape_.pad_multiple = o.pad_multiple;
  terminal_ = comm_.is_root() && isatty(STDERR_FILENO);
}

int64_t Trainer::resume() {
  std::vector<std::string> skipped;
  const auto latest = latest_valid_checkpoint(o_.out_dir, &skipped);
  if (comm_.is_root()) {
    for (const std::string& s : skipped) log_ << "skipping " << s << "\n";
  }
  if (!latest) {
    if (comm_.is_root())
      log_ << "no checkpoint in " << o_.out_dir.string() << ": starting at step 0\n";
    return 0;
  }
  const ResumeState state =
      read_resume_state(load_checkpoint(*latest, config_, params_, adamw_), *latest);
  engine_->upload();
  if (state.plan_hash != plan_hash_) {
    throw Error(latest->string() + ": was trained on another plan than " + o_.plan_path.string());
  }
  const int64_t step = state.step;
  run_seconds_ = state.seconds;
  if (comm_.is_root()) log_ << "resuming from " << latest->string() << " at step " << step << "\n";
  return step;
}

// Written whole into a folder beside `dir` and then swapped in: a full disk or a kill part way
// leaves the model of an earlier run in `dir` as it was, not new weights with an old config.
void Trainer::save_final_model(const fs::path& dir) {
  const fs::path staged = dir.parent_path() / (".model.tmp-" + std::to_string(::getpid()));
  fs::remove_all(staged);
  try {
    model::SaveOptions save_options;
    save_options.dtype = o_.save_dtype;
    model::save_model(staged, config_, params_, save_options);
    model::copy_tokenizer_files(o_.model_dir, staged);
    replace_directory(staged, dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staged, ec);
    throw;
  }
}

StepTotals Trainer::run_step(const data::Step& step) {
  engine_->zero_grads();
  const StepCounts counts = step_counts(step, store_);
  StepTotals t;
  if (static_cast<size_t>(comm_.rank()) < step.ranks.size()) {
    for (const data::MicroBatch& mb : step.ranks[comm_.rank()]) {
      model::Batch batch = build_micro_batch(store_, mb, shape_);
      apply_loss_weights(batch, o_.loss, counts);
      t.loss += engine_->forward_backward(batch, step_options_);
      t.tokens += double(batch.size());
      t.padding += double(padding_tokens(store_, mb, batch));
      for (int64_t n : batch.target_counts) t.targets += double(n);
      t.sequences += double(mb.size());
    }
  }
  engine_->allreduce_grads(comm_);
  t.allreduce(comm_);
  return t;
}

void Trainer::report(int64_t step, const data::Step& planned, const StepTotals& t, double lr,
                     double grad_norm, double seconds, double eta) {
  if (!comm_.is_root()) return;
  const Json row = {{"step", step},
                    {"epoch", planned.epoch},
                    {"loss", t.loss},
                    {"lr", lr},
                    {"grad_norm", grad_norm},
                    {"tokens", int64_t(t.tokens)},
                    {"padding_tokens", int64_t(t.padding)},
                    {"target_tokens", int64_t(t.targets)},
                    {"sequences", int64_t(t.sequences)},
                    {"seconds", seconds},
                    {"tokens_per_second", t.tokens / seconds}};
  metrics_->write(row);
  char line[256];
  std::snprintf(line, sizeof line,
                "step %ld/%ld  loss %.4f  lr %.2e  %.0f tok/s  pad %.1f%%  ETA %s", long(step),
                long(total_steps_), t.loss, lr, t.tokens / seconds,
                100.0 * t.padding / std::max(1.0, t.tokens), format_duration(eta).c_str());
  if (terminal_) {
    log_ << "\r" << line << "\x1b[K" << std::flush;
  } else if (step % std::max<int64_t>(1, o_.log_every) == 0 || step == total_steps_) {
    log_ << line << "\n";
  }
}

void Trainer::evaluate(int64_t step) {
  if (!comm_.is_root()) return;
  const data::StoreReader eval(o_.eval_dir);
  ScoreOptions score;
  score.precision = o_.precision;
  score.positions = o_.positions;
  double sum = 0;
  int64_t samples = 0;
  for (const SampleScore& s : score_store(*engine_, eval, score)) {
    if (s.targets == 0) continue;
    sum += s.mean_loss();
    ++samples;
  }
  const double loss = samples ? sum / double(samples) : 0.0;
  metrics_->write({{"step", step}, {"eval_loss", loss}, {"eval_samples", samples}});
  log_ << (terminal_ ? "\n" : "") << "step " << step << "  eval loss " << loss << " over "
       << samples << " samples\n";
}

void Trainer::save(int64_t step) {
  engine_->download();
  if (comm_.is_root()) {
    CheckpointContents c;
    c.config = &config_;
    c.params = &params_;
    c.optimizer = &adamw_;
    c.tokenizer_source = o_.model_dir;
    c.trainer_state = {{"step", step},
                       {"plan_hash", plan_hash_},
                       {"loss", loss_mode_name(o_.loss)},
                       {"seconds", run_seconds_}};
    save_checkpoint(o_.out_dir, step, c, o_.keep_last);
  }
  comm_.barrier();
}

TrainResult Trainer::run() {
  if (comm_.is_root()) fs::create_directories(o_.out_dir);
  comm_.barrier();
  start_step_ = o_.resume ? resume() : 0;
  if (comm_.is_root()) {
    metrics_ = std::make_unique<MetricsLog>(o_.out_dir / "metrics.jsonl", start_step_);
    log_ << "engine: " << engine_->describe() << "\n";
  }
  const int64_t warmup =
      static_cast<int64_t>(std::ceil(o_.warmup_ratio * double(plan_.steps.size())));
  install_stop_handlers();
  TrainResult result;
  result.total_steps = total_steps_;
  int64_t step = start_step_;
  const double seconds_before = run_seconds_;
  const auto start = Clock::now();
  while (step < total_steps_) {
    const auto t0 = Clock::now();
    const data::Step& planned = plan_.steps[step];
    StepTotals t = run_step(planned);
    const double grad_norm = engine_->clip_grad_norm(o_.max_grad_norm);
    const double lr = learning_rate(o_.schedule, o_.lr, step, int64_t(plan_.steps.size()), warmup);
    engine_->adamw_step(lr);
    ++step;
    run_seconds_ = seconds_before + seconds_since(start);
    const double eta =
        seconds_since(start) / double(step - start_step_) * double(total_steps_ - step);
    report(step, planned, t, lr, grad_norm, comm_.allreduce_max(seconds_since(t0)), eta);
    result.last_loss = t.loss;
    if (!o_.eval_dir.empty() && o_.eval_every > 0 && step % o_.eval_every == 0) evaluate(step);
    // Every rank must agree to stop at the same step: a signal may reach them at different times.
    if (comm_.allreduce_max(stop_signal() ? 1.0 : 0.0) > 0) {
      save(step);
      result.interrupted = true;
      if (comm_.is_root()) {
        log_ << (terminal_ ? "\n" : "") << "stopped by a signal after step " << step
             << "; saved a checkpoint, continue with --resume\n";
      }
      break;
    }
    if (o_.save_every > 0 && step % o_.save_every == 0 && step < total_steps_) save(step);
  }
  result.steps_done = step;
  if (result.interrupted) return result;
  if (terminal_) log_ << "\n";
  if (!o_.eval_dir.empty() && (o_.eval_every <= 0 || step % o_.eval_every != 0)) evaluate(step);
  save(step);
  result.model_dir = o_.out_dir / "model";
  if (comm_.is_root()) save_final_model(result.model_dir);
  comm_.barrier();
  return result;
}

}  // namespace

TrainResult train(const TrainOptions& options, std::ostream& log) {
  share_cores_between_local_ranks(Communicator::world());
  return Trainer(options, log).run();
}

}  // namespace longalign::train
