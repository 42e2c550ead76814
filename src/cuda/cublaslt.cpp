#include "cuda/cublaslt.h"

#include <dlfcn.h>

#include <string>

#include "core/error.h"

namespace longalign::cuda {
namespace {

void* open_library() {
  const std::string name = "libcublasLt.so.13";
  if (void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
  const std::string first_error = dlerror();
  const std::string fallback = std::string(LONGALIGN_CUDA_LIBRARY_DIR) + "/" + name;
  if (void* handle = dlopen(fallback.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
  throw Error("cannot load cuBLASLt (" + first_error + "; also tried " + fallback +
              "): add its folder to LD_LIBRARY_PATH");
}

template <typename F>
void resolve(void* library, F& f, const char* symbol) {
  f = reinterpret_cast<F>(dlsym(library, symbol));
  if (!f) throw Error(std::string("libcublasLt.so.13 has no ") + symbol);
}

CublasLt load() {
  void* library = open_library();
  CublasLt lt{};
  resolve(library, lt.create, "cublasLtCreate");
  resolve(library, lt.destroy, "cublasLtDestroy");
  resolve(library, lt.desc_create, "cublasLtMatmulDescCreate");
  resolve(library, lt.desc_destroy, "cublasLtMatmulDescDestroy");
  resolve(library, lt.desc_set, "cublasLtMatmulDescSetAttribute");
  resolve(library, lt.layout_create, "cublasLtMatrixLayoutCreate");
  resolve(library, lt.layout_destroy, "cublasLtMatrixLayoutDestroy");
  resolve(library, lt.preference_create, "cublasLtMatmulPreferenceCreate");
  resolve(library, lt.preference_destroy, "cublasLtMatmulPreferenceDestroy");
  resolve(library, lt.preference_set, "cublasLtMatmulPreferenceSetAttribute");
  resolve(library, lt.heuristic, "cublasLtMatmulAlgoGetHeuristic");
  resolve(library, lt.matmul, "cublasLtMatmul");
  return lt;
}

}  // namespace

const CublasLt& cublaslt() {
  // The library stays loaded for the life of the process.
  static const CublasLt lt = load();
  return lt;
}

}  // namespace longalign::cuda
