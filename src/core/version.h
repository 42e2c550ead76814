#pragma once

namespace longalign {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace longalign
