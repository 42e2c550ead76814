// The arithmetic the engine runs in.
#pragma once

namespace longalign::model {

// fp32: every product in fp32 (tests, finite differences, deterministic resume).
// bf16: matrix products take inputs rounded to bf16 and accumulate in fp32; the rest is fp32.
enum class Precision { fp32, bf16 };

}  // namespace longalign::model
