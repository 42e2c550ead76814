// The CPU engine: model::Transformer on the host copies, a gradient of the same layout, AdamW and
// clipping on flat arrays, and MPI for the all-reduce.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include "core/error.h"
#include "model/attention.h"
#include "model/cpu_features.h"
#include "model/gemm.h"
#include "train/engine.h"

namespace longalign::train {
namespace {

using Clock = std::chrono::steady_clock;

class CpuEngine final : public Engine {
 public:
  CpuEngine(const model::ModelConfig& config, model::Parameters& params, AdamW* optimizer)
      : params_(params), optimizer_(optimizer), transformer_(config, params) {
    if (optimizer_) grads_ = std::make_unique<model::Parameters>(config);
  }

  std::string describe() const override {
    return "cpu (" + model::cpu_features_string() + "; products " + model::matmul_bf16_isa() +
           ", attention " + model::attention_kernel_in_use(model::Precision::bf16) + ")";
  }
  void upload() override {}
  void download() override {}

  double forward(const model::Batch& batch, model::Precision precision, float* token_loss,
                 uint8_t* token_correct) override {
    return transformer_.forward(batch, precision, token_loss, token_correct);
  }

  void zero_grads() override { gradients().zero(); }

  double forward_backward(const model::Batch& batch, const model::StepOptions& options,
                          float* token_loss) override {
    return transformer_.forward_backward(batch, gradients(), options, token_loss);
  }

  void allreduce_grads(Communicator& comm) override {
    if (comm.size() > 1) comm.allreduce_sum(gradients().data(), gradients().size());
  }

  double clip_grad_norm(double max_norm) override {
    return train::clip_grad_norm(gradients().data(), gradients().size(), max_norm);
  }

  void adamw_step(double lr) override { optimizer_->step(params_.data(), gradients().data(), lr); }

  double matmul_ceiling_tflops(model::Precision precision) override;

  int64_t peak_memory_bytes() override {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return int64_t{usage.ru_maxrss} * 1024;
  }

  void copy_grads(float* out) override {
    std::copy(gradients().data(), gradients().data() + gradients().size(), out);
  }

 private:
  model::Parameters& gradients() {
    if (!grads_) throw Error("this engine was made for scoring only: it has no optimizer");
    return *grads_;
  }

  model::Parameters& params_;
  AdamW* optimizer_;
  std::unique_ptr<model::Parameters> grads_;
  model::Transformer transformer_;
};

double CpuEngine::matmul_ceiling_tflops(model::Precision precision) {
  constexpr int64_t n = 4096;
  std::vector<float> a(n * n), b(n * n), c(n * n);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& x : a) x = u(rng);
  for (float& x : b) x = u(rng);
  std::vector<model::bf16> a16(n * n), b16(n * n);
  model::to_bf16(a16.data(), a.data(), n * n);
  model::to_bf16(b16.data(), b.data(), n * n);
  const bool bf16 = precision == model::Precision::bf16;
  double best = 1e30;
  for (int rep = 0; rep < 4; ++rep) {  // the first run creates the primitive
    const auto start = Clock::now();
    if (bf16) {
      model::matmul(precision, n, n, n, model::plain(a16.data(), n),
                    model::transposed(b16.data(), n), c.data(), n, false);
    } else {
      model::matmul(precision, n, n, n, model::plain(a.data(), n), model::transposed(b.data(), n),
                    c.data(), n, false);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (rep > 0) best = std::min(best, seconds);
  }
  return 2.0 * n * n * n / best / 1e12;
}

}  // namespace

std::unique_ptr<Engine> make_cpu_engine(const model::ModelConfig& config, model::Parameters& params,
                                        AdamW* optimizer) {
  return std::make_unique<CpuEngine>(config, params, optimizer);
}

}  // namespace longalign::train
