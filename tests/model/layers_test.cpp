// RMSNorm, SwiGLU and the embedding: forward against plain double references, backward against
// central finite differences of those references. The loss is L = sum(out * g) for a fixed
// random g, so dL/dout = g.
#include <omp.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "gtest/gtest.h"
#include "model/embedding.h"
#include "model/rmsnorm.h"
#include "model/swiglu.h"

namespace longalign::model {
namespace {

std::vector<float> random_vector(std::mt19937& rng, size_t n, float low = -1.0f,
                                 float high = 1.0f) {
  std::uniform_real_distribution<float> uniform(low, high);
  std::vector<float> v(n);
  for (float& x : v) x = uniform(rng);
  return v;
}

std::vector<double> to_double(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

double dot(const std::vector<double>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// dL/dv[i] by central differences, L(v) = loss(v) in double. The step 1e-5 makes the truncation
// error (h^2 * L''') about 1e-10 and the rounding error (1e-16 / h) about 1e-11.
template <class Loss>
std::vector<double> finite_differences(std::vector<double> v, Loss loss) {
  constexpr double h = 1e-5;
  std::vector<double> grad(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double keep = v[i];
    v[i] = keep + h;
    const double up = loss(v);
    v[i] = keep - h;
    const double down = loss(v);
    v[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

// The fp32 code's gradients against the double FD ones: fp32 rounding of O(1) values over a
// handful of terms errs by ~1e-6, so 2e-5 separates rounding from a wrong formula.
void expect_gradients_near(const std::vector<float>& analytic, const std::vector<double>& fd,
                           const std::string& what) {
  ASSERT_EQ(analytic.size(), fd.size());
  for (size_t i = 0; i < fd.size(); ++i) EXPECT_NEAR(analytic[i], fd[i], 2e-5) << what << " " << i;
}

// out[t,c] = x[t,c] / sqrt(mean_c x^2 + eps) * w[c]
std::vector<double> rmsnorm_reference(const std::vector<double>& x, const std::vector<double>& w,
                                      int64_t T, int64_t C, double eps) {
  std::vector<double> out(T * C);
  for (int64_t t = 0; t < T; ++t) {
    double ms = 0.0;
    for (int64_t c = 0; c < C; ++c) ms += x[t * C + c] * x[t * C + c];
    const double r = 1.0 / std::sqrt(ms / C + eps);
    for (int64_t c = 0; c < C; ++c) out[t * C + c] = x[t * C + c] * r * w[c];
  }
  return out;
}

TEST(RmsNorm, ForwardMatchesReference) {
  constexpr int64_t T = 5, C = 12;
  constexpr float eps = 1e-5f;
  std::mt19937 rng(1);
  const auto x = random_vector(rng, T * C), w = random_vector(rng, C, 0.5f, 1.5f);
  std::vector<float> out(T * C), rstd(T);
  rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), T, C, eps);
  const auto want = rmsnorm_reference(to_double(x), to_double(w), T, C, eps);
  for (int64_t i = 0; i < T * C; ++i) EXPECT_NEAR(out[i], want[i], 1e-5) << i;
  // Row 0 by hand: rstd is 1 / sqrt(mean x^2 + eps).
  double ms = 0.0;
  for (int64_t c = 0; c < C; ++c) ms += double(x[c]) * x[c];
  EXPECT_NEAR(rstd[0], 1.0 / std::sqrt(ms / C + eps), 1e-5);
}

TEST(RmsNorm, BackwardMatchesFiniteDifferences) {
  constexpr int64_t T = 3, C = 8;
  constexpr float eps = 1e-5f;
  std::mt19937 rng(2);
  const auto x = random_vector(rng, T * C), w = random_vector(rng, C, 0.5f, 1.5f);
  const auto g = random_vector(rng, T * C);
  std::vector<float> out(T * C), rstd(T);
  rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), T, C, eps);
  // Gradients accumulate: start from known values and take them off afterwards.
  const auto dx0 = random_vector(rng, T * C), dw0 = random_vector(rng, C);
  std::vector<float> dx = dx0, dw = dw0;
  rmsnorm_backward(dx.data(), dw.data(), g.data(), x.data(), w.data(), rstd.data(), T, C);
  for (int64_t i = 0; i < T * C; ++i) dx[i] -= dx0[i];
  for (int64_t c = 0; c < C; ++c) dw[c] -= dw0[c];
  const auto xd = to_double(x), wd = to_double(w);
  expect_gradients_near(dx,
                        finite_differences(xd,
                                           [&](const std::vector<double>& v) {
                                             return dot(rmsnorm_reference(v, wd, T, C, eps), g);
                                           }),
                        "dx");
  expect_gradients_near(dw,
                        finite_differences(wd,
                                           [&](const std::vector<double>& v) {
                                             return dot(rmsnorm_reference(xd, v, T, C, eps), g);
                                           }),
                        "dweight");
}

TEST(RmsNorm, WeightGradientIsTheSameForAnyThreadCount) {
  constexpr int64_t T = 301, C = 100;
  std::mt19937 rng(3);
  const auto x = random_vector(rng, T * C), w = random_vector(rng, C),
             g = random_vector(rng, T * C);
  std::vector<float> out(T * C), rstd(T);
  rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), T, C, 1e-6f);
  const auto weight_gradient = [&](int threads) {
    std::vector<float> dx(T * C), dw(C);
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    rmsnorm_backward(dx.data(), dw.data(), g.data(), x.data(), w.data(), rstd.data(), T, C);
    omp_set_num_threads(saved);
    return dw;
  };
  EXPECT_EQ(weight_gradient(1), weight_gradient(3));
}

// out[t,i] = silu(gate) * up, gate = gate_up[t, i], up = gate_up[t, I + i]
std::vector<double> swiglu_reference(const std::vector<double>& gate_up, int64_t T, int64_t I) {
  std::vector<double> out(T * I);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < I; ++i) {
      const double g = gate_up[t * 2 * I + i], u = gate_up[t * 2 * I + I + i];
      out[t * I + i] = g / (1.0 + std::exp(-g)) * u;
    }
  }
  return out;
}

TEST(SwiGlu, ForwardMatchesReference) {
  constexpr int64_t T = 4, I = 7;
  std::mt19937 rng(4);
  const auto gate_up = random_vector(rng, T * 2 * I, -4.0f, 4.0f);
  std::vector<float> out(T * I);
  swiglu_forward(out.data(), gate_up.data(), T, I);
  const auto want = swiglu_reference(to_double(gate_up), T, I);
  for (int64_t i = 0; i < T * I; ++i) EXPECT_NEAR(out[i], want[i], 1e-5) << i;
  // By hand: silu(0) = 0, and silu(2) * 3 = 2 / (1 + e^-2) * 3 = 6 / 1.135335 = 5.284782
  const float one_row[4] = {0.0f, 2.0f, 5.0f, 3.0f};
  float two[2];
  swiglu_forward(two, one_row, 1, 2);
  EXPECT_EQ(two[0], 0.0f);
  EXPECT_NEAR(two[1], 5.284782, 1e-5);
}

TEST(SwiGlu, BackwardMatchesFiniteDifferences) {
  constexpr int64_t T = 3, I = 5;
  std::mt19937 rng(5);
  const auto gate_up = random_vector(rng, T * 2 * I, -3.0f, 3.0f);
  const auto g = random_vector(rng, T * I);
  std::vector<float> dgate_up(T * 2 * I, 123.0f);  // written, not accumulated
  swiglu_backward(dgate_up.data(), g.data(), gate_up.data(), T, I);
  expect_gradients_near(dgate_up,
                        finite_differences(to_double(gate_up),
                                           [&](const std::vector<double>& v) {
                                             return dot(swiglu_reference(v, T, I), g);
                                           }),
                        "dgate_up");
}

TEST(Embedding, ForwardLooksUpRows) {
  constexpr int64_t V = 6, C = 5, T = 4;
  std::mt19937 rng(6);
  const auto table = random_vector(rng, V * C);
  const int32_t tokens[T] = {3, 0, 3, 5};
  std::vector<float> out(T * C);
  embedding_forward(out.data(), tokens, table.data(), T, C, V);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t c = 0; c < C; ++c) EXPECT_EQ(out[t * C + c], table[tokens[t] * C + c]);
  }
}

TEST(Embedding, OutOfRangeTokenIsAnErrorNamingIt) {
  const std::vector<float> table(4 * 2);
  std::vector<float> out(3 * 2);
  const int32_t tokens[3] = {1, 4, 0};
  try {
    embedding_forward(out.data(), tokens, table.data(), 3, 2, 4);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("token id 4"), std::string::npos) << what;
    EXPECT_NE(what.find("position 1"), std::string::npos) << what;
  }
  const int32_t negative[1] = {-1};
  EXPECT_THROW(embedding_forward(out.data(), negative, table.data(), 1, 2, 4), Error);
}

TEST(Embedding, BackwardMatchesFiniteDifferences) {
  constexpr int64_t V = 5, C = 3, T = 6;
  std::mt19937 rng(7);
  const auto table = random_vector(rng, V * C), g = random_vector(rng, T * C);
  const int32_t tokens[T] = {2, 4, 2, 0, 2, 4};  // repeats add up; token 1 and 3 get nothing
  const auto dtable0 = random_vector(rng, V * C);
  std::vector<float> dtable = dtable0;
  embedding_backward(dtable.data(), g.data(), tokens, T, C);
  for (int64_t i = 0; i < V * C; ++i) dtable[i] -= dtable0[i];
  const auto lookup = [&](const std::vector<double>& tab) {
    double loss = 0.0;
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t c = 0; c < C; ++c) loss += tab[tokens[t] * C + c] * g[t * C + c];
    }
    return loss;
  };
  expect_gradients_near(dtable, finite_differences(to_double(table), lookup), "dtable");
}

TEST(Embedding, BackwardIsTheSameForAnyThreadCount) {
  constexpr int64_t V = 7, C = 200, T = 500;
  std::mt19937 rng(8);
  const auto g = random_vector(rng, T * C);
  std::vector<int32_t> tokens(T);
  for (int32_t& t : tokens) t = static_cast<int32_t>(rng() % V);
  const auto scatter = [&](int threads) {
    std::vector<float> dtable(V * C);
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    embedding_backward(dtable.data(), g.data(), tokens.data(), T, C);
    omp_set_num_threads(saved);
    return dtable;
  };
  EXPECT_EQ(scatter(1), scatter(4));
}

}  // namespace
}  // namespace longalign::model
