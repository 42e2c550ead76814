// Device memory in RAII buffers, counted so that a run can report the most it held.
#pragma once

#include <cstdint>
#include <utility>

namespace longalign::cuda {

// Raw allocation through cudaMalloc, counted; null for 0 bytes.
void* device_alloc(int64_t bytes);
void device_free(void* p, int64_t bytes);

// Bytes held now and at most, through device_alloc.
int64_t device_bytes_in_use();
int64_t device_bytes_peak();

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(int64_t count) { resize(count); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // Exactly `count` elements; the old contents are lost.
  void resize(int64_t count) {
    release();
    data_ = static_cast<T*>(device_alloc(count * int64_t(sizeof(T))));
    count_ = count;
  }
  // At least `count` elements, reallocating only to grow (contents lost when it does).
  void reserve(int64_t count) {
    if (count > count_) resize(count);
  }

  T* get() const { return data_; }
  int64_t size() const { return count_; }

 private:
  void release() {
    device_free(data_, count_ * int64_t(sizeof(T)));
    data_ = nullptr;
    count_ = 0;
  }
  T* data_ = nullptr;
  int64_t count_ = 0;
};

}  // namespace longalign::cuda
