#include "serve/active_streams.h"

namespace longalign::serve {

std::unique_ptr<ActiveStreams::Guard> ActiveStreams::add(
    std::shared_ptr<infer::GenerationStream> stream) {
  const std::lock_guard lock(mutex_);
  if (closed_) stream->cancel();
  const uint64_t key = next_key_++;
  streams_.emplace(key, std::move(stream));
  return std::make_unique<Guard>(*this, key);
}

void ActiveStreams::cancel_all() {
  const std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& [key, stream] : streams_) stream->cancel();
}

void ActiveStreams::remove(uint64_t key) {
  const std::lock_guard lock(mutex_);
  streams_.erase(key);
}

}  // namespace longalign::serve
