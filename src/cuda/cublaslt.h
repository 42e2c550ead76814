// cuBLASLt, loaded when the first product is planned rather than when the program starts: the
// library is half a gigabyte, and mapping it would cost every command (tokenize, data plan, ...)
// most of a second and 200 MB, GPU or not.
#pragma once

#include <cublasLt.h>

namespace longalign::cuda {

// The functions the engine calls, resolved from libcublasLt.so.13 on first use (from the loader's
// search path, then the toolkit's folder this was built against). Error naming the library when
// it cannot be loaded.
struct CublasLt {
  decltype(&cublasLtCreate) create;
  decltype(&cublasLtDestroy) destroy;
  decltype(&cublasLtMatmulDescCreate) desc_create;
  decltype(&cublasLtMatmulDescDestroy) desc_destroy;
  decltype(&cublasLtMatmulDescSetAttribute) desc_set;
  decltype(&cublasLtMatrixLayoutCreate) layout_create;
  decltype(&cublasLtMatrixLayoutDestroy) layout_destroy;
  decltype(&cublasLtMatmulPreferenceCreate) preference_create;
  decltype(&cublasLtMatmulPreferenceDestroy) preference_destroy;
  decltype(&cublasLtMatmulPreferenceSetAttribute) preference_set;
  decltype(&cublasLtMatmulAlgoGetHeuristic) heuristic;
  decltype(&cublasLtMatmul) matmul;
};

const CublasLt& cublaslt();

}  // namespace longalign::cuda
