// Matrix product benchmark: TFLOP/s of model::matmul in fp32, in bf16 with bf16 operands (the
// kernel alone) and in bf16 with fp32 operands (the kernel plus rounding them into scratch), for a
// 4096^3 square and for every product of one training step of a small model: T = 4096 tokens,
// C = 512, H = 8 heads and G = 4 kv heads of D = 64, I = 1344, V = 32000 (LM head in chunks of
// 256 tokens).
//
//   gemm_bench [--seconds S]   (minimum time per measurement, default 0.5)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "model/cpu_features.h"
#include "model/gemm.h"

namespace {

using namespace longalign::model;

// C[M,N] (+)= A[M,K] B[K,N] with A, B stored transposed or not.
struct Product {
  std::string label;
  int64_t M, N, K;
  bool a_transposed, b_transposed, accumulate;
};

// A linear layer y[T,N] = x[T,K] W[N,K]^T and its two backward products:
// dx[T,K] = dy[T,N] W[N,K] and dW[N,K] += dy^T[N,T] x[T,K].
void add_linear(std::vector<Product>& out, const std::string& name, int64_t T, int64_t N,
                int64_t K) {
  out.push_back({name + " forward", T, N, K, false, true, false});
  out.push_back({name + " dx", T, K, N, false, false, false});
  out.push_back({name + " dW", N, K, T, true, false, true});
}

std::vector<Product> products() {
  constexpr int64_t T = 4096, C = 512, H = 8, G = 4, D = 64, I = 1344, V = 32000, chunk = 256;
  std::vector<Product> out = {{"square 4096^3", 4096, 4096, 4096, false, false, false}};
  add_linear(out, "qkv", T, (H + 2 * G) * D, C);
  add_linear(out, "attn out", T, C, H * D);
  add_linear(out, "gate_up", T, 2 * I, C);
  add_linear(out, "down", T, C, I);
  add_linear(out, "lm head chunk", chunk, V, C);
  return out;
}

struct Operands {
  std::vector<float> a32, b32, c;
  std::vector<bf16> a16, b16;
};

Operands make_operands(const Product& p) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  Operands o;
  o.a32.resize(p.M * p.K);
  o.b32.resize(p.K * p.N);
  o.c.assign(p.M * p.N, 0.0f);
  for (float& v : o.a32) v = uniform(rng);
  for (float& v : o.b32) v = uniform(rng);
  o.a16.resize(o.a32.size());
  o.b16.resize(o.b32.size());
  to_bf16(o.a16.data(), o.a32.data(), static_cast<int64_t>(o.a32.size()));
  to_bf16(o.b16.data(), o.b32.data(), static_cast<int64_t>(o.b32.size()));
  return o;
}

// The product's TFLOP/s, timed over at least `seconds` after one untimed run (which creates and
// caches the primitive).
template <class T>
double tflops(const Product& p, Precision precision, const T* a, const T* b, float* c,
              double seconds) {
  const int64_t lda = p.a_transposed ? p.M : p.K;
  const int64_t ldb = p.b_transposed ? p.K : p.N;
  const MatrixOperand ma = p.a_transposed ? transposed(a, lda) : plain(a, lda);
  const MatrixOperand mb = p.b_transposed ? transposed(b, ldb) : plain(b, ldb);
  const auto run = [&] { matmul(precision, p.M, p.N, p.K, ma, mb, c, p.N, p.accumulate); };
  run();
  const auto start = std::chrono::steady_clock::now();
  int runs = 0;
  double elapsed = 0.0;
  do {
    run();
    ++runs;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return 2.0 * p.M * p.N * p.K * runs / elapsed / 1e12;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0.5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  std::printf("cpu: %s\n", cpu_features_string().c_str());
  std::printf("%-22s %6s %6s %6s %8s %10s %10s  %s\n", "product", "M", "N", "K", "fp32", "bf16",
              "bf16+cvt", "bf16 kernel");
  for (const Product& p : products()) {
    Operands o = make_operands(p);
    const double fp32 = tflops(p, Precision::fp32, o.a32.data(), o.b32.data(), o.c.data(), seconds);
    const double bf16 = tflops(p, Precision::bf16, o.a16.data(), o.b16.data(), o.c.data(), seconds);
    const std::string kernel = matmul_bf16_isa();
    const double cvt = tflops(p, Precision::bf16, o.a32.data(), o.b32.data(), o.c.data(), seconds);
    std::printf("%-22s %6ld %6ld %6ld %8.3f %10.3f %10.3f  %s\n", p.label.c_str(), p.M, p.N, p.K,
                fp32, bf16, cvt, kernel.c_str());
  }
  std::printf("TFLOP/s; bf16: bf16 operands; bf16+cvt: fp32 operands rounded in scratch\n");
  return 0;
}
