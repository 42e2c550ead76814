// C[M,N] = A[M,K] B[K,N] (+ C) through oneDNN's matmul primitive.
//
// Each operand's memory descriptor carries its strides ({ld, 1} as stored, {1, ld} when the
// memory holds the transpose), so no operand is ever copied to be transposed. Accumulation is
// the sum post-op. Creating a primitive costs milliseconds (it JIT-compiles a kernel), so they
// are cached by everything that defines them.
//
// bf16 products need AVX-512 (oneDNN 2.6 has no bf16 matmul for plain AVX2) and are fastest with
// AVX512_BF16 or AMX. Where oneDNN offers none, or only its reference loop, the operands are
// widened to fp32 after rounding to bf16 and the fp32 primitive runs: the same values, fp32
// accumulation, so the result has bf16 semantics either way.
#include "model/gemm.h"

#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "model/cpu_features.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace longalign::model {
namespace {

using dnnl::memory;

// Below this many elements a conversion runs on the calling thread alone.
constexpr int64_t kParallelMin = 1 << 15;

struct Shape {
  int64_t M, N, K;
  int64_t lda, ldb, ldc;
  bool a_transposed, b_transposed;
  memory::data_type inputs;
  bool accumulate;

  bool operator==(const Shape&) const = default;
};

struct ShapeHash {
  size_t operator()(const Shape& s) const {
    size_t h = static_cast<size_t>(s.inputs);
    for (int64_t v : {s.M, s.N, s.K, s.lda, s.ldb, s.ldc}) {
      h = h * 1000003u ^ std::hash<int64_t>()(v);
    }
    return h * 7u + (s.a_transposed ? 1 : 0) + (s.b_transposed ? 2 : 0) + (s.accumulate ? 4 : 0);
  }
};

struct Primitive {
  dnnl::matmul matmul;
  memory::desc a, b, c;
  std::string impl;
};

// oneDNN picks its kernels from the CPU itself; it is capped at what cpu_features() reports, so
// LONGALIGN_MAX_ISA limits the products as it limits our own kernels.
void cap_onednn_isa() {
  const CpuFeatures& f = cpu_features();
  if (!f.avx512f) {
    dnnl::set_max_cpu_isa(dnnl::cpu_isa::avx2);
  } else if (!f.amx_usable) {
    dnnl::set_max_cpu_isa(dnnl::cpu_isa::avx512_core_bf16);
  }
}

dnnl::engine& engine() {
  static dnnl::engine cpu = [] {
    cap_onednn_isa();
    return dnnl::engine(dnnl::engine::kind::cpu, 0);
  }();
  return cpu;
}

dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

// rows x cols as the product sees it; `transposed` memory holds cols x rows.
memory::desc operand_desc(int64_t rows, int64_t cols, int64_t ld, bool transposed,
                          memory::data_type type) {
  const memory::dims strides = transposed ? memory::dims{1, ld} : memory::dims{ld, 1};
  return memory::desc({rows, cols}, type, strides);
}

Primitive create(const Shape& s) {
  Primitive p;
  p.a = operand_desc(s.M, s.K, s.lda, s.a_transposed, s.inputs);
  p.b = operand_desc(s.K, s.N, s.ldb, s.b_transposed, s.inputs);
  p.c = operand_desc(s.M, s.N, s.ldc, false, memory::data_type::f32);
  dnnl::primitive_attr attr;
  if (s.accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(p.a, p.b, p.c), attr, engine());
  p.matmul = dnnl::matmul(pd);
  p.impl = pd.impl_info_str();
  return p;
}

const Primitive& primitive(const Shape& s) {
  static std::unordered_map<Shape, Primitive, ShapeHash> cache;
  auto it = cache.find(s);
  if (it == cache.end()) {
    try {
      it = cache.emplace(s, create(s)).first;
    } catch (const dnnl::error& e) {
      throw Error("matmul " + std::to_string(s.M) + "x" + std::to_string(s.N) + "x" +
                  std::to_string(s.K) + ": oneDNN cannot create the primitive: " + e.what());
    }
  }
  return it->second;
}

// Whether oneDNN has a bf16 matmul kernel on this CPU, asked once with a small product. Its
// reference loop does not count: converting to fp32 and running the fp32 kernel is far faster.
bool bf16_native() {
  static const bool native = [] {
    try {
      const Shape probe{64, 64, 64, 64, 64, 64, false, true, memory::data_type::bf16, false};
      return create(probe).impl.rfind("ref", 0) != 0;
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
      return false;
    }
  }();
  return native;
}

std::string& last_bf16_impl() {
  static std::string impl = "none yet";
  return impl;
}

// The memory an operand occupies: `lines` rows of `width` values, `ld` apart.
struct Extent {
  int64_t lines, width;
};

Extent extent(int64_t rows, int64_t cols, bool transposed) {
  return transposed ? Extent{cols, rows} : Extent{rows, cols};
}

// An operand's data in the type the primitive takes, and its leading dimension.
struct Converted {
  const void* data;
  int64_t ld;
};

// Reusable memory for operands that must be converted first; a converted operand is packed
// (ld = width). Grows to the largest operand seen and stays.
class Scratch {
 public:
  Converted as_bf16(const MatrixOperand& m, Extent e) {
    if (m.b16) return {m.b16, m.ld};
    b16_.resize(static_cast<size_t>(e.lines * e.width));
    if (m.ld == e.width) {
      to_bf16(b16_.data(), m.f32, e.lines * e.width);
    } else {
#pragma omp parallel for schedule(static) if (e.lines * e.width >= kParallelMin)
      for (int64_t r = 0; r < e.lines; ++r) {
        for (int64_t j = 0; j < e.width; ++j) {
          b16_[r * e.width + j] = to_bf16(m.f32[r * m.ld + j]);
        }
      }
    }
    return {b16_.data(), e.width};
  }

  // fp32 values that are exactly bf16 numbers: the fallback's inputs.
  Converted as_bf16_valued_f32(const MatrixOperand& m, Extent e) {
    f32_.resize(static_cast<size_t>(e.lines * e.width));
#pragma omp parallel for schedule(static) if (e.lines * e.width >= kParallelMin)
    for (int64_t r = 0; r < e.lines; ++r) {
      for (int64_t j = 0; j < e.width; ++j) {
        f32_[r * e.width + j] =
            m.b16 ? from_bf16(m.b16[r * m.ld + j]) : round_bf16(m.f32[r * m.ld + j]);
      }
    }
    return {f32_.data(), e.width};
  }

 private:
  std::vector<bf16> b16_;
  std::vector<float> f32_;
};

Scratch& scratch_a() {
  static Scratch s;
  return s;
}

Scratch& scratch_b() {
  static Scratch s;
  return s;
}

void check_operand(const MatrixOperand& m, Extent e, const char* name, Precision precision) {
  if ((m.f32 == nullptr) == (m.b16 == nullptr)) {
    throw Error(std::string("matmul: operand ") + name + " must have exactly one of f32, b16");
  }
  if (precision == Precision::fp32 && m.b16) {
    throw Error(std::string("matmul: operand ") + name + " is bf16 in an fp32 product");
  }
  if (m.ld < e.width) {
    throw Error(std::string("matmul: operand ") + name + " has ld " + std::to_string(m.ld) +
                " < its width " + std::to_string(e.width));
  }
}

// The operands in the type the product runs in, with their leading dimensions.
std::pair<Converted, Converted> prepare(Precision precision, int64_t M, int64_t N, int64_t K,
                                        const MatrixOperand& a, const MatrixOperand& b) {
  const Extent ea = extent(M, K, a.transposed), eb = extent(K, N, b.transposed);
  if (precision == Precision::fp32) return {{a.f32, a.ld}, {b.f32, b.ld}};
  if (bf16_native()) return {scratch_a().as_bf16(a, ea), scratch_b().as_bf16(b, eb)};
  return {scratch_a().as_bf16_valued_f32(a, ea), scratch_b().as_bf16_valued_f32(b, eb)};
}

}  // namespace

void matmul(Precision precision, int64_t M, int64_t N, int64_t K, const MatrixOperand& a,
            const MatrixOperand& b, float* c, int64_t ldc, bool accumulate) {
  if (M < 0 || N < 0 || K < 0 || ldc < N) {
    throw Error("matmul: bad shape " + std::to_string(M) + "x" + std::to_string(N) + "x" +
                std::to_string(K) + " with ldc " + std::to_string(ldc));
  }
  check_operand(a, extent(M, K, a.transposed), "A", precision);
  check_operand(b, extent(K, N, b.transposed), "B", precision);
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate) {
      for (int64_t i = 0; i < M; ++i) std::memset(c + i * ldc, 0, sizeof(float) * N);
    }
    return;
  }
  const bool bf16_inputs = precision == Precision::bf16 && bf16_native();
  const auto [ca, cb] = prepare(precision, M, N, K, a, b);
  const Primitive& p =
      primitive({M, N, K, ca.ld, cb.ld, ldc, a.transposed, b.transposed,
                 bf16_inputs ? memory::data_type::bf16 : memory::data_type::f32, accumulate});
  if (precision == Precision::bf16) {
    last_bf16_impl() = bf16_inputs ? p.impl : "fp32 fallback, " + p.impl;
  }
  memory ma(p.a, engine(), const_cast<void*>(ca.data));
  memory mb(p.b, engine(), const_cast<void*>(cb.data));
  memory mc(p.c, engine(), c);
  p.matmul.execute(stream(), {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
  stream().wait();
}

const char* matmul_bf16_isa() {
  return last_bf16_impl().c_str();
}

}  // namespace longalign::model
