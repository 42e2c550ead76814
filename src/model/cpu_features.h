// What the CPU can do, read once with cpuid: the engine picks its fast paths from this at run time,
// so one binary runs on any x86-64 CPU with AVX2 and uses AVX-512 BF16 or AMX where present.
#pragma once

#include <string>

namespace longalign::model {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512_bf16 = false;
  bool amx_bf16 = false;  // the instruction set; the OS must also grant the tile state (see below)
  bool amx_usable = false;
};

// Detected on first use. The environment variable LONGALIGN_MAX_ISA=avx2 (or avx512) hides the
// features above that level, so one machine can run and test every path. amx_usable asks Linux for
// permission to use the AMX tile data (arch_prctl ARCH_REQ_XCOMP_PERM), which a process must do
// before its first tile instruction.
const CpuFeatures& cpu_features();

// A one-line summary such as "avx2 fma avx512f avx512_bf16 amx_bf16".
std::string cpu_features_string();

}  // namespace longalign::model
