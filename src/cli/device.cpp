#include "cli/device.h"

#include "core/error.h"
#ifdef LONGALIGN_HAVE_CUDA
#include "cuda/engine.h"
#endif

namespace longalign::cli {

train::EngineFactory engine_for_device(const std::string& device) {
  if (device != "auto" && device != "cpu" && device != "cuda") {
    throw UsageError("--device must be auto, cpu or cuda, not '" + device + "'");
  }
  if (device == "cpu") return train::make_cpu_engine;
#ifdef LONGALIGN_HAVE_CUDA
  std::string why;
  if (cuda::gpu_available(&why)) return cuda::make_engine;
  if (device == "cuda") throw Error("--device cuda: " + why);
#else
  if (device == "cuda") {
    throw Error("--device cuda: this build has no CUDA engine (built without the CUDA toolkit)");
  }
#endif
  return train::make_cpu_engine;
}

std::string device_option_help() {
#ifdef LONGALIGN_HAVE_CUDA
  return "cpu, cuda, or auto (default: cuda when a GPU is visible)";
#else
  return "cpu or auto (default; this build has no CUDA engine)";
#endif
}

}  // namespace longalign::cli
