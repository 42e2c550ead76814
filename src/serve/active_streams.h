// The generations the server has in flight, so that stopping the server can end them: a worker
// thread blocked in GenerationStream::next() would otherwise keep the HTTP pool from joining.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "infer/scheduler.h"

namespace longalign::serve {

class ActiveStreams {
 public:
  // Registers `stream` until the returned guard is destroyed. Once cancel_all() has run, a stream
  // added later is cancelled at once.
  class Guard {
   public:
    Guard(ActiveStreams& owner, uint64_t key) : owner_(owner), key_(key) {}
    ~Guard() { owner_.remove(key_); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    ActiveStreams& owner_;
    uint64_t key_;
  };
  std::unique_ptr<Guard> add(std::shared_ptr<infer::GenerationStream> stream);

  // Cancels every registered stream and every one added from now on.
  void cancel_all();

 private:
  void remove(uint64_t key);

  std::mutex mutex_;
  std::map<uint64_t, std::shared_ptr<infer::GenerationStream>> streams_;
  uint64_t next_key_ = 0;
  bool closed_ = false;
};

}  // namespace longalign::serve
