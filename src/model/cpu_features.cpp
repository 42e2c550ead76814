#include "model/cpu_features.h"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

namespace longalign::model {
namespace {

constexpr long kArchReqXcompPerm = 0x1023;
constexpr long kXfeatureXtileData = 18;

bool request_amx_permission() {
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtileData) == 0;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  f.fma = ecx & (1u << 12);
  const bool osxsave = ecx & (1u << 27);
  if (!osxsave) return f;
  // The OS must save the AVX (bits 1-2) and AVX-512 (bits 5-7) register state.
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool os_avx = (xcr0_lo & 0x6u) == 0x6u;
  const bool os_avx512 = (xcr0_lo & 0xe6u) == 0xe6u;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  f.avx2 = os_avx && (ebx & (1u << 5));
  f.fma = f.fma && os_avx;
  f.avx512f = os_avx512 && (ebx & (1u << 16));
  f.avx512bw = os_avx512 && (ebx & (1u << 30));
  f.avx512vl = os_avx512 && (ebx & (1u << 31));
  f.amx_bf16 = edx & (1u << 22);
  unsigned eax1 = 0, ebx1 = 0, ecx1 = 0, edx1 = 0;
  if (__get_cpuid_count(7, 1, &eax1, &ebx1, &ecx1, &edx1)) {
    f.avx512_bf16 = f.avx512f && (eax1 & (1u << 5));
  }
  f.amx_usable = f.amx_bf16 && request_amx_permission();
  return f;
}

// Applies LONGALIGN_MAX_ISA: "avx2" keeps AVX2 and FMA only, "avx512" drops AMX.
CpuFeatures capped(CpuFeatures f) {
  const char* cap = std::getenv("LONGALIGN_MAX_ISA");
  if (!cap) return f;
  const std::string level = cap;
  if (level == "avx2") {
    f.avx512f = f.avx512bw = f.avx512vl = f.avx512_bf16 = false;
    f.amx_bf16 = f.amx_usable = false;
  } else if (level == "avx512") {
    f.amx_bf16 = f.amx_usable = false;
  }
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = capped(detect());
  return features;
}

std::string cpu_features_string() {
  const CpuFeatures& f = cpu_features();
  std::string s;
  auto add = [&s](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(f.avx2, "avx2");
  add(f.fma, "fma");
  add(f.avx512f, "avx512f");
  add(f.avx512bw, "avx512bw");
  add(f.avx512_bf16, "avx512_bf16");
  add(f.amx_bf16 && f.amx_usable, "amx_bf16");
  return s.empty() ? "baseline x86-64" : s;
}

}  // namespace longalign::model
