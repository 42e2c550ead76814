// Lays out consecutive buffers in one allocation, each rounded up to 16 floats (64 bytes). Run
// once with a null base to count the floats a layout needs, then with the real base to place it:
// both runs take the same buffers, so the size and the pointers cannot disagree.
#pragma once

#include <cstdint>

namespace longalign::model {

class BufferCarver {
 public:
  explicit BufferCarver(float* base) : cursor_(base) {}

  float* take(int64_t n) {
    float* p = cursor_;
    const int64_t rounded = (n + 15) / 16 * 16;
    if (cursor_) cursor_ += rounded;
    used_ += rounded;
    return p;
  }
  int64_t used() const { return used_; }

 private:
  float* cursor_;
  int64_t used_ = 0;
};

}  // namespace longalign::model
