// Memory bandwidth of this machine, the bound of decode: a decode step reads every weight and the
// whole KV cache once, so bytes per token over this rate is the fastest it can run.
//
//   bandwidth_bench [--mib 1024] [--runs 5]
//
// Read: the sum of a buffer much larger than the caches (each thread its own part), bytes read
// per second; copy: a memcpy-like pass, counting bytes read plus bytes written. Best of --runs,
// on 1 thread and on all of OpenMP's.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Sums the floats in 8-wide vectors with four independent accumulators, so the loop is bound by
// memory rather than by the adds' latency.
float sum_part(const float* p, int64_t n) {
  __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a = _mm256_add_ps(a, _mm256_loadu_ps(p + i));
    b = _mm256_add_ps(b, _mm256_loadu_ps(p + i + 8));
    c = _mm256_add_ps(c, _mm256_loadu_ps(p + i + 16));
    d = _mm256_add_ps(d, _mm256_loadu_ps(p + i + 24));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
  float s = 0;
  for (float x : lanes) s += x;
  for (; i < n; ++i) s += p[i];
  return s;
}

double best_read(const std::vector<float>& buf, int threads, int runs, float* sink) {
  const auto n = static_cast<int64_t>(buf.size());
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    float total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      const int64_t t = omp_get_thread_num(), parts = omp_get_num_threads();
      const int64_t begin = n * t / parts, end = n * (t + 1) / parts;
      total += sum_part(buf.data() + begin, end - begin);
    }
    best = std::min(best, seconds_since(start));
    *sink += total;
  }
  return double(n) * sizeof(float) / best / 1e9;
}

double best_copy(std::vector<float>& dst, const std::vector<float>& src, int threads, int runs) {
  const auto n = static_cast<int64_t>(src.size());
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const int64_t t = omp_get_thread_num(), parts = omp_get_num_threads();
      const int64_t begin = n * t / parts, end = n * (t + 1) / parts;
      std::memcpy(dst.data() + begin, src.data() + begin, sizeof(float) * (end - begin));
    }
    best = std::min(best, seconds_since(start));
  }
  return 2.0 * double(n) * sizeof(float) / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t mib = 1024;
  int runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--mib") {
      mib = std::atoll(argv[i + 1]);
    } else if (flag == "--runs") {
      runs = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: bandwidth_bench [--mib N] [--runs R]\n");
      return 2;
    }
  }
  const int64_t n = mib * (1 << 20) / int64_t(sizeof(float));
  std::vector<float> a(n, 1.0f), b(n, 0.0f);
  float sink = 0;
  std::printf("buffer %lld MiB, best of %d\n", static_cast<long long>(mib), runs);
  for (const int threads : {1, omp_get_max_threads()}) {
    std::printf("threads %d  read %6.1f GB/s  copy %6.1f GB/s (read + write)\n", threads,
                best_read(a, threads, runs, &sink), best_copy(b, a, threads, runs));
    if (threads == omp_get_max_threads()) break;
  }
  return sink == -1.0f ? 1 : 0;
}
