// Serves generation requests on one model from a worker thread: new requests are prefilled one at
// a time, and every running request advances one token per batched decode step (continuous
// batching), so concurrent streams share each pass over the weights. Text comes back through a
// GenerationStream as it is produced.
//
// A prompt that starts with tokens a running or recently finished request already holds (the
// next turn of a chat, another question on the same document) takes their keys and values and
// prefills only the rest. Models with dynamic NTK rope scaling never reuse: their keys depend on
// the length of the prompt that made them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/error.h"
#include "infer/generation.h"
#include "text/tokenizer.h"

namespace longalign::infer {

class Engine;

// Thrown by submit() when max_running + max_queued requests are already in.
class QueueFull : public Error {
 public:
  using Error::Error;
};

// One request's output, written by the worker and read by the caller on another thread.
class GenerationStream {
 public:
  virtual ~GenerationStream() = default;
  // Blocks until more text or the end. Returns true with `delta` set (empty when the new tokens
  // have no complete text yet); false once the generation has ended and all its text was read.
  // Rethrows an engine failure of this request as Error.
  virtual bool next(std::string& delta) = 0;
  // Valid after next() returned false.
  virtual const GenerationResult& result() const = 0;
  // Stops this request and frees its slot (a client went away); next() then ends with
  // FinishReason::cancelled. Safe from any thread, more than once.
  virtual void cancel() = 0;
};

struct SchedulerOptions {
  int64_t max_running = 8;  // requests decoded together
  int64_t max_queued = 32;  // requests waiting for a slot before submit() throws QueueFull
  // Finished requests' KV caches kept for prompts that start the same way (prefix_cache.h);
  // 0 turns prefix reuse off. Running requests' caches are reused too, whatever this is.
  int64_t prefix_cache_bytes = int64_t{1} << 30;
};

class Scheduler {
 public:
  // `engine` and `tokenizer` (which turns tokens into text and finds stop strings) must outlive
  // the scheduler.
  Scheduler(Engine& engine, const text::Tokenizer& tokenizer, const SchedulerOptions& options);
  ~Scheduler();  // cancels what is left and joins the worker
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues `request`; throws QueueFull, or UsageError for a prompt that does not fit the model's
  // context (prompt + 1 > Engine::max_context()).
  std::shared_ptr<GenerationStream> submit(GenerationRequest request);

  // Runs `request` to the end on the calling thread's behalf: submit() then next() until done.
  GenerationResult run(GenerationRequest request);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace longalign::infer
