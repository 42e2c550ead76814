// Times attention_forward and attention_forward + attention_backward on one causal sequence with
// the 55.6M model's attention (H = 8 query heads, G = 4 kv heads, D = 64), in bf16 and fp32.
//
// Usage: attention_bench [--bf16 | --fp32] [T ...]   (default: both; 4096 16384 65536)
//
// FLOPs follow FlashAttention's convention for causal attention: pairs = H T (T + 1) / 2
// (query, key) pairs; the forward is 2 products of 2 D FLOPs per pair (4 D pairs), the backward
// 5 products (10 D pairs), though this backward runs 7 (it recomputes S and dP in two passes).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/random.h"
#include "model/attention.h"
#include "model/attention_kernels.h"
#include "model/cpu_features.h"

namespace {

using longalign::model::AttentionShape;
using longalign::model::Precision;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Best of `reps` runs of f, in seconds.
template <class F>
double best_time(int reps, F f) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(best, seconds_since(start));
  }
  return best;
}

void bench(int64_t T, Precision precision) {
  const int64_t H = 8, G = 4, D = 64;
  const int32_t cu_seqlens[2] = {0, static_cast<int32_t>(T)};
  const AttentionShape shape{cu_seqlens, 1, T, H, G, D, static_cast<float>(1 / std::sqrt(D))};
  std::vector<float> qkv(T * (H + 2 * G) * D), dqkv(qkv.size()), out(T * H * D), dout(out.size()),
      lse(H * T);
  uint64_t state = 1;
  for (float& x : qkv) x = static_cast<float>((longalign::splitmix64(state) >> 40) * 0x1p-23 - 1);
  for (float& x : dout) x = static_cast<float>((longalign::splitmix64(state) >> 40) * 0x1p-23 - 1);

  const int reps = T <= 4096 ? 5 : 1;
  auto forward = [&] { attention_forward(precision, out.data(), lse.data(), qkv.data(), shape); };
  auto backward = [&] {
    attention_backward(precision, dqkv.data(), dout.data(), qkv.data(), out.data(), lse.data(),
                       shape);
  };
  forward();
  const double forward_s = best_time(reps, forward);
  const double backward_s = best_time(reps, backward);

  const double pairs = static_cast<double>(H) * T * (T + 1) / 2;
  const double forward_flops = 4.0 * D * pairs, backward_flops = 10.0 * D * pairs;
  std::printf(
      "T=%-6lld %-4s  forward %9.1f ms %6.3f TFLOP/s   forward+backward %9.1f ms %6.3f TFLOP/s\n",
      static_cast<long long>(T), precision == Precision::bf16 ? "bf16" : "fp32", forward_s * 1e3,
      forward_flops / forward_s * 1e-12, (forward_s + backward_s) * 1e3,
      (forward_flops + backward_flops) / (forward_s + backward_s) * 1e-12);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  using longalign::model::attention_kernel;
  using longalign::model::attention_kernel_name;
  std::vector<int64_t> sizes;
  std::vector<Precision> precisions = {Precision::bf16, Precision::fp32};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--bf16") {
      precisions = {Precision::bf16};
    } else if (arg == "--fp32") {
      precisions = {Precision::fp32};
    } else {
      sizes.push_back(std::atoll(argv[i]));
    }
  }
  if (sizes.empty()) sizes = {4096, 16384, 65536};
  std::printf("attention, one causal sequence, H=8 G=4 D=64, %d OpenMP threads, cpu: %s\n",
              omp_get_max_threads(), longalign::model::cpu_features_string().c_str());
  std::printf("kernels: bf16 %s, fp32 %s\n",
              attention_kernel_name(attention_kernel(Precision::bf16)),
              attention_kernel_name(attention_kernel(Precision::fp32)));
  std::printf(
      "FLOPs (FlashAttention convention): forward 4 D pairs, backward 10 D pairs, "
      "pairs = H T (T + 1) / 2\n");
  for (int64_t T : sizes) {
    for (Precision precision : precisions) bench(T, precision);
  }
  return 0;
}
