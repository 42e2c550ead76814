// The arithmetic the engine runs in.
#pragma once

#include <string>

#include "core/error.h"

namespace longalign::model {

// fp32: every product in fp32 (tests, finite differences, deterministic resume).
// bf16: matrix products take inputs rounded to bf16 and accumulate in fp32; the rest is fp32.
enum class Precision { fp32, bf16 };

// The command-line spelling, "bf16" or "fp32"; UsageError otherwise.
inline Precision parse_precision(const std::string& name) {
  if (name == "bf16") return Precision::bf16;
  if (name == "fp32") return Precision::fp32;
  throw UsageError("--dtype must be bf16 or fp32, not '" + name + "'");
}

}  // namespace longalign::model
