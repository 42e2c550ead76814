// The CUDA engine: fp32 master weights, their bf16 working copy, the gradient and AdamW's two
// moments, each one flat device array in model::Parameters' layout; DeviceTransformer for the
// passes; AdamW, the norm and clipping as kernels. A step's only transfers to the host are its
// loss and the gradient norm (and, with several ranks, the gradient for the all-reduce).
#include "cuda/engine.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "cuda/adamw.h"
#include "cuda/attention.h"
#include "cuda/cast.h"
#include "cuda/check.h"
#include "cuda/device_memory.h"
#include "cuda/device_parameters.h"
#include "cuda/gemm.h"
#include "cuda/transformer.h"

namespace longalign::cuda {
namespace {

template <typename T>
void copy_to_device(T* dst, const T* src, int64_t n, cudaStream_t stream) {
  LONGALIGN_CUDA_CHECK(cudaMemcpyAsync(dst, src, sizeof(T) * n, cudaMemcpyHostToDevice, stream));
}

template <typename T>
void copy_to_host(T* dst, const T* src, int64_t n, cudaStream_t stream) {
  LONGALIGN_CUDA_CHECK(cudaMemcpyAsync(dst, src, sizeof(T) * n, cudaMemcpyDeviceToHost, stream));
}

// train::AdamW's decay rule by tensor: weights decay, norms and biases do not.
std::vector<DecayRun> decay_runs(const model::ModelConfig& config, int64_t size) {
  std::vector<DecayRun> runs;
  int64_t covered = 0;
  for (const model::HfTensor& t : model::hf_tensors(config)) {
    if (t.offset > covered) runs.push_back({t.offset, 0});  // padding before the tensor
    runs.push_back({t.offset + t.numel(), !t.is_norm && !t.is_bias});
    covered = t.offset + t.numel();
  }
  if (size > covered) runs.push_back({size, 0});
  return runs;
}

class CudaEngine final : public train::Engine {
 public:
  CudaEngine(const model::ModelConfig& config, model::Parameters& params, train::AdamW* optimizer);
  ~CudaEngine() override;

  std::string describe() const override;
  void upload() override;
  void download() override;
  double forward(const model::Batch& batch, model::Precision precision, float* token_loss,
                 uint8_t* token_correct) override;
  void zero_grads() override;
  double forward_backward(const model::Batch& batch, const model::StepOptions& options,
                          float* token_loss) override;
  void allreduce_grads(train::Communicator& comm) override;
  double clip_grad_norm(double max_norm) override;
  void adamw_step(double lr) override;
  double matmul_ceiling_tflops(model::Precision precision) override;
  int64_t peak_memory_bytes() override { return device_bytes_peak(); }
  void copy_grads(float* out) override;

 private:
  void need_optimizer() const {
    if (!optimizer_) throw Error("this engine was made for scoring only: it has no optimizer");
  }

  const model::ModelConfig& config_;
  model::Parameters& host_params_;
  train::AdamW* optimizer_;
  cudaStream_t stream_ = nullptr;
  std::unique_ptr<Gemm> gemm_;
  DeviceBuffer<float> params_, grads_, m_, v_;
  DeviceBuffer<__nv_bfloat16> params16_;
  DeviceBuffer<DecayRun> runs_;
  DeviceBuffer<double> norm_partials_, norm_;
  DeviceWeights weights_;
  DeviceParameters grad_view_;
  std::unique_ptr<DeviceTransformer> transformer_;
  int num_runs_ = 0;
  int64_t steps_ = 0;
};

CudaEngine::CudaEngine(const model::ModelConfig& config, model::Parameters& params,
                       train::AdamW* optimizer)
    : config_(config), host_params_(params), optimizer_(optimizer) {
  LONGALIGN_CUDA_CHECK(cudaSetDevice(0));
  LONGALIGN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  gemm_ = std::make_unique<Gemm>(stream_);
  const int64_t n = params.size();
  params_.resize(n);
  params16_.resize(n);
  weights_.f32 = DeviceParameters::view(params_.get(), params);
  weights_.b16 = params16_.get();
  if (optimizer_) {
    grads_.resize(n);
    m_.resize(n);
    v_.resize(n);
    grad_view_ = DeviceParameters::view(grads_.get(), params);
    const std::vector<DecayRun> runs = decay_runs(config, n);
    num_runs_ = static_cast<int>(runs.size());
    runs_.resize(num_runs_);
    copy_to_device(runs_.get(), runs.data(), num_runs_, stream_);
    norm_partials_.resize(norm_partials(n));
    norm_.resize(1);
    LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  transformer_ = std::make_unique<DeviceTransformer>(config, *gemm_, stream_);
}

CudaEngine::~CudaEngine() {
  transformer_.reset();
  gemm_.reset();
  if (stream_) cudaStreamDestroy(stream_);
}

std::string CudaEngine::describe() const {
  cudaDeviceProp prop{};
  LONGALIGN_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  return std::string("cuda (") + prop.name + ", sm_" + std::to_string(prop.major) +
         std::to_string(prop.minor) + ", " + std::to_string(prop.totalGlobalMem >> 30) +
         " GiB; products cuBLASLt; attention " +
         attention_implementation(model::Precision::bf16, config_.head_dim) + ")";
}

void CudaEngine::upload() {
  const int64_t n = host_params_.size();
  copy_to_device(params_.get(), host_params_.data(), n, stream_);
  to_bf16(params16_.get(), params_.get(), n, stream_);
  if (optimizer_) {
    copy_to_device(m_.get(), optimizer_->first_moment().data(), n, stream_);
    copy_to_device(v_.get(), optimizer_->second_moment().data(), n, stream_);
    steps_ = optimizer_->steps();
  }
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaEngine::download() {
  const int64_t n = host_params_.size();
  copy_to_host(host_params_.data(), params_.get(), n, stream_);
  if (optimizer_) {
    copy_to_host(optimizer_->first_moment().data(), m_.get(), n, stream_);
    copy_to_host(optimizer_->second_moment().data(), v_.get(), n, stream_);
    optimizer_->set_steps(steps_);
  }
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

double CudaEngine::forward(const model::Batch& batch, model::Precision precision, float* token_loss,
                           uint8_t* token_correct) {
  model::StepOptions options;
  options.precision = precision;
  return transformer_->run(batch, weights_, nullptr, options, token_loss, token_correct);
}

void CudaEngine::zero_grads() {
  need_optimizer();
  LONGALIGN_CUDA_CHECK(cudaMemsetAsync(grads_.get(), 0, sizeof(float) * grads_.size(), stream_));
}

double CudaEngine::forward_backward(const model::Batch& batch, const model::StepOptions& options,
                                    float* token_loss) {
  need_optimizer();
  return transformer_->run(batch, weights_, &grad_view_, options, token_loss, nullptr);
}

void CudaEngine::allreduce_grads(train::Communicator& comm) {
  need_optimizer();
  if (comm.size() == 1) return;
  // Through the host until the NCCL path exists: correct on any number of ranks, not fast.
  std::vector<float> host(grads_.size());
  copy_to_host(host.data(), grads_.get(), grads_.size(), stream_);
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
  comm.allreduce_sum(host.data(), static_cast<int64_t>(host.size()));
  copy_to_device(grads_.get(), host.data(), grads_.size(), stream_);
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

double CudaEngine::clip_grad_norm(double max_norm) {
  need_optimizer();
  sum_of_squares(norm_.get(), grads_.get(), grads_.size(), norm_partials_.get(), stream_);
  double squares = 0;
  copy_to_host(&squares, norm_.get(), 1, stream_);
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
  const double norm = std::sqrt(squares);
  // torch's clip_grad_norm_, as train::clip_grad_norm.
  if (max_norm > 0 && norm > max_norm) {
    scale_in_place(grads_.get(), grads_.size(), static_cast<float>(max_norm / (norm + 1e-6)),
                   stream_);
  }
  return norm;
}

void CudaEngine::adamw_step(double lr) {
  need_optimizer();
  ++steps_;
  const train::AdamWOptions& o = optimizer_->options();
  AdamWStep s;
  s.beta1 = static_cast<float>(o.beta1);
  s.beta2 = static_cast<float>(o.beta2);
  s.eps = static_cast<float>(o.eps);
  s.step_size = static_cast<float>(lr / (1.0 - std::pow(o.beta1, double(steps_))));
  s.v_scale = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(o.beta2, double(steps_))));
  s.decay_scale = static_cast<float>(1.0 - lr * o.weight_decay);
  adamw_update(params_.get(), params16_.get(), grads_.get(), m_.get(), v_.get(), params_.size(),
               runs_.get(), num_runs_, s, stream_);
}

double CudaEngine::matmul_ceiling_tflops(model::Precision precision) {
  constexpr int64_t n = 4096;
  // Random operands: zeros would let the GPU run cooler and faster than on real data.
  std::vector<float> host(n * n);
  uint64_t state = 1;
  for (float& x : host) x = float(splitmix64(state) >> 40) / float(1 << 24) - 0.5f;
  DeviceBuffer<float> a(n * n), b(n * n), c(n * n);
  copy_to_device(a.get(), host.data(), n * n, stream_);
  copy_to_device(b.get(), host.data(), n * n, stream_);
  DeviceBuffer<__nv_bfloat16> a16(n * n), b16(n * n);
  to_bf16(a16.get(), a.get(), n * n, stream_);
  to_bf16(b16.get(), b.get(), n * n, stream_);
  const bool bf16 = precision == model::Precision::bf16;
  cudaEvent_t start, stop;
  LONGALIGN_CUDA_CHECK(cudaEventCreate(&start));
  LONGALIGN_CUDA_CHECK(cudaEventCreate(&stop));
  float best_ms = 1e30f;
  for (int rep = 0; rep < 5; ++rep) {  // the first run picks the algorithm
    LONGALIGN_CUDA_CHECK(cudaEventRecord(start, stream_));
    if (bf16) {
      gemm_->matmul(precision, n, n, n, plain(a16.get(), n), transposed(b16.get(), n), c.get(), n,
                    false);
    } else {
      gemm_->matmul(precision, n, n, n, plain(a.get(), n), transposed(b.get(), n), c.get(), n,
                    false);
    }
    LONGALIGN_CUDA_CHECK(cudaEventRecord(stop, stream_));
    LONGALIGN_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    LONGALIGN_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    if (rep > 0) best_ms = std::min(best_ms, ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));  // `host` outlives the copies
  return 2.0 * n * n * n / (best_ms * 1e-3) / 1e12;
}

void CudaEngine::copy_grads(float* out) {
  need_optimizer();
  copy_to_host(out, grads_.get(), grads_.size(), stream_);
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

}  // namespace

bool gpu_available(std::string* why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    if (why)
      *why = std::string("no usable CUDA driver or device (") + cudaGetErrorString(status) + ")";
    return false;
  }
  if (count == 0) {
    if (why) *why = "no CUDA device is visible";
    return false;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess || prop.major < 8) {
    if (why) {
      *why =
          std::string("device 0 (") + prop.name + ") is older than sm_80, which the engine needs";
    }
    return false;
  }
  return true;
}

std::unique_ptr<train::Engine> make_engine(const model::ModelConfig& config,
                                           model::Parameters& params, train::AdamW* optimizer) {
  return std::make_unique<CudaEngine>(config, params, optimizer);
}

}  // namespace longalign::cuda
