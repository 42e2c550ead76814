// Continuous batching on one worker thread. Each turn of its loop admits at most one waiting
// request (prefill, first token) and then advances every running request by one token in a single
// decode_batch call, so a long prefill delays the running streams by one turn, never more, and a
// request joins the batch as soon as it has a cache.
//
// Slots: a request holds one from submit() until it finishes or is cancelled; cancel() gives it
// back at once (the worker drops the request at its next turn), so a client that goes away never
// blocks a new one.
#include "infer/scheduler.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "infer/engine.h"
#include "infer/prefix_cache.h"
#include "infer/sampler.h"
#include "infer/text_stream.h"

namespace longalign::infer {
namespace {

// What the scheduler and its streams share; streams keep a weak reference, so a stream may
// outlive its scheduler.
struct Shared {
  std::mutex mu;
  std::condition_variable wake;  // the worker's
  int64_t held = 0;              // slots held: requests queued or running
  bool stopping = false;
};

class Stream : public GenerationStream {
 public:
  Stream(GenerationRequest request, std::weak_ptr<Shared> shared)
      : request(std::move(request)), shared_(std::move(shared)) {}

  bool next(std::string& delta) override {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return events_ > 0 || done_; });
    if (events_ > 0 || !pending_.empty()) {
      delta = std::move(pending_);
      pending_.clear();
      events_ = 0;
      return true;
    }
    delta.clear();
    if (!error_.empty()) throw Error(error_);
    return false;
  }

  const GenerationResult& result() const override { return result_; }

  void cancel() override {
    cancelled.store(true);
    if (const std::shared_ptr<Shared> shared = shared_.lock()) {
      std::lock_guard lock(shared->mu);
      release_slot(*shared);
      shared->wake.notify_one();
    }
  }

  // Worker side: new text (possibly empty) for one more token.
  void emit(const std::string& delta) {
    std::lock_guard lock(mu_);
    pending_ += delta;
    ++events_;
    ready_.notify_all();
  }

  // Worker side: the end, with the last text, and an error message when it failed.
  void finish(GenerationResult result, const std::string& tail, const std::string& error = {}) {
    if (const std::shared_ptr<Shared> shared = shared_.lock()) {
      std::lock_guard lock(shared->mu);
      release_slot(*shared);
    }
    std::lock_guard lock(mu_);
    result_ = std::move(result);
    pending_ += tail;
    error_ = error;
    done_ = true;
    ready_.notify_all();
  }

  // Under Shared::mu: gives the slot back once.
  void release_slot(Shared& shared) {
    if (slot_released_) return;
    slot_released_ = true;
    --shared.held;
  }

  const GenerationRequest request;
  std::atomic<bool> cancelled{false};

 private:
  std::weak_ptr<Shared> shared_;
  bool slot_released_ = false;  // under Shared::mu
  std::mutex mu_;
  std::condition_variable ready_;
  std::string pending_;
  int64_t events_ = 0;
  bool done_ = false;
  std::string error_;
  GenerationResult result_;
};

// A request the worker is generating for.
struct Running {
  Running(std::shared_ptr<Stream> s, KvCache c, const SamplingParams& sampling, int64_t vocab,
          const text::Tokenizer& tokenizer)
      : stream(std::move(s)),
        cache(std::move(c)),
        sampler(sampling, stream->request.prompt, vocab),
        text(tokenizer, stream->request.stop_strings) {}

  std::shared_ptr<Stream> stream;
  KvCache cache;
  std::vector<int32_t> cached;  // the tokens whose keys and values `cache` holds
  int64_t reused = 0;           // prompt tokens taken from another cache
  Sampler sampler;
  TextStream text;
  std::vector<int32_t> tokens;
  int64_t completion = 0;
  int32_t last = 0;  // the token the next decode step feeds
  bool finished = false;
};

GenerationResult result_of(const Running& r, FinishReason finish) {
  GenerationResult result;
  result.tokens = r.tokens;
  result.text = r.text.text();
  result.finish = finish;
  result.prompt_tokens = static_cast<int64_t>(r.stream->request.prompt.size());
  result.cached_tokens = r.reused;
  result.completion_tokens = r.completion;
  return result;
}

GenerationResult cancelled_result(const Stream& stream) {
  GenerationResult result;
  result.finish = FinishReason::cancelled;
  result.prompt_tokens = static_cast<int64_t>(stream.request.prompt.size());
  return result;
}

}  // namespace

struct Scheduler::State {
  Engine& engine;
  const text::Tokenizer& tokenizer;
  SchedulerOptions options;
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::deque<std::shared_ptr<Stream>> queue;      // under shared->mu
  std::vector<std::unique_ptr<Running>> running;  // the worker's
  PrefixCache finished;                           // the worker's
  bool reuse;
  std::thread worker;

  State(Engine& e, const text::Tokenizer& t, const SchedulerOptions& o)
      : engine(e),
        tokenizer(t),
        options(o),
        finished(o.prefix_cache_bytes),
        reuse(e.config().rope.scaling != model::RopeScaling::dynamic) {}

  void loop();
  void admit(const std::shared_ptr<Stream>& stream);
  KvCache cache_for(const GenerationRequest& req, int64_t* reused);
  void step();
  void accept(Running& r, std::span<float> logits);
  void end(Running& r, FinishReason finish, const std::string& text = {});
  void fail(Running& r, const std::exception& e);
};

void Scheduler::State::loop() {
  for (;;) {
    std::shared_ptr<Stream> next;
    std::vector<std::shared_ptr<Stream>> dropped;
    {
      std::unique_lock lock(shared->mu);
      shared->wake.wait(lock,
                        [&] { return shared->stopping || !queue.empty() || !running.empty(); });
      if (shared->stopping) return;
      while (!queue.empty() && queue.front()->cancelled.load()) {
        dropped.push_back(queue.front());
        queue.pop_front();
      }
      if (!queue.empty() && static_cast<int64_t>(running.size()) < options.max_running) {
        next = queue.front();
        queue.pop_front();
      }
    }
    for (const auto& stream : dropped) stream->finish(cancelled_result(*stream), {});
    for (auto& r : running) {
      if (r->stream->cancelled.load()) end(*r, FinishReason::cancelled);
    }
    std::erase_if(running, [](const auto& r) { return r->finished; });
    if (next) admit(next);
    if (!running.empty()) step();
    std::erase_if(running, [](const auto& r) { return r->finished; });
  }
}

// A cache for the request, holding the longest prefix of its prompt that a running or finished
// request has (all but the prompt's last token at most: prefill must run one to give logits).
// A finished request's cache that is large enough is taken over; otherwise the prefix is copied.
KvCache Scheduler::State::cache_for(const GenerationRequest& req, int64_t* reused) {
  const int64_t prompt = static_cast<int64_t>(req.prompt.size());
  const int64_t capacity = std::min(prompt + req.max_new_tokens, engine.max_context());
  *reused = 0;
  if (!reuse) return engine.new_cache(capacity);
  const KvCache* source = nullptr;
  int64_t best = 0;
  for (const auto& r : running) {
    const int64_t n = common_prefix(req.prompt, r->cached);
    if (n > best) {
      best = n;
      source = &r->cache;
    }
  }
  int64_t shared = 0;
  PrefixCache::Entry* entry = finished.longest_match(req.prompt, &shared);
  const int64_t use = std::min(std::max(best, shared), prompt - 1);
  if (use <= 0) return engine.new_cache(capacity);
  *reused = use;
  if (shared >= best && entry->cache.capacity() >= capacity) {
    KvCache cache = finished.take(entry).cache;
    cache.set_length(use);
    return cache;
  }
  KvCache cache = engine.new_cache(capacity);
  cache.copy_prefix(shared >= best ? entry->cache : *source, use);
  return cache;
}

// Prefill (of what no cache holds yet) and the first token.
void Scheduler::State::admit(const std::shared_ptr<Stream>& stream) {
  const GenerationRequest& req = stream->request;
  try {
    int64_t reused = 0;
    KvCache cache = cache_for(req, &reused);
    auto r = std::make_unique<Running>(stream, std::move(cache), req.sampling,
                                       engine.config().vocab, tokenizer);
    r->reused = reused;
    std::vector<float> logits = engine.prefill(
        r->cache, std::span<const int32_t>(req.prompt).subspan(static_cast<size_t>(reused)));
    r->cached = req.prompt;
    accept(*r, logits);
    // One that ended at its first token has given its cache to the prefix cache already.
    if (!r->finished) running.push_back(std::move(r));
  } catch (const std::exception& e) {
    stream->finish(cancelled_result(*stream), {}, e.what());
  }
}

// One batched decode step for every running request.
void Scheduler::State::step() {
  std::vector<KvCache*> caches;
  std::vector<int32_t> tokens;
  for (const auto& r : running) {
    caches.push_back(&r->cache);
    tokens.push_back(r->last);
  }
  std::vector<float> logits;
  try {
    logits = engine.decode_batch(caches, tokens);
  } catch (const std::exception& e) {
    for (auto& r : running) fail(*r, e);
    return;
  }
  const int64_t V = engine.config().vocab;
  for (size_t i = 0; i < running.size(); ++i) {
    running[i]->cached.push_back(running[i]->last);
    accept(*running[i], std::span<float>(logits).subspan(i * V, V));
  }
}

// Samples the next token from `logits` and decides whether the request goes on.
void Scheduler::State::accept(Running& r, std::span<float> logits) {
  const GenerationRequest& req = r.stream->request;
  const int32_t token = r.sampler.sample(logits);
  ++r.completion;
  if (std::find(req.stop_tokens.begin(), req.stop_tokens.end(), token) != req.stop_tokens.end()) {
    end(r, FinishReason::stop);
    return;
  }
  r.tokens.push_back(token);
  r.last = token;
  const std::string delta = r.text.push(token);
  if (r.text.stopped()) {
    end(r, FinishReason::stop, delta);
  } else if (r.completion >= req.max_new_tokens || r.cache.length() >= r.cache.capacity()) {
    end(r, FinishReason::length, delta);
  } else {
    r.stream->emit(delta);
  }
}

// The request's cache stays behind for later prompts that start the same way.
void Scheduler::State::end(Running& r, FinishReason finish, const std::string& text) {
  const std::string tail = text + r.text.finish();
  r.stream->finish(result_of(r, finish), tail);
  r.finished = true;
  if (reuse && options.prefix_cache_bytes > 0) {
    finished.put(std::move(r.cached), std::move(r.cache));
  }
}

void Scheduler::State::fail(Running& r, const std::exception& e) {
  r.stream->finish(result_of(r, FinishReason::cancelled), {}, e.what());
  r.finished = true;
}

Scheduler::Scheduler(Engine& engine, const text::Tokenizer& tokenizer,
                     const SchedulerOptions& options)
    : state_(std::make_unique<State>(engine, tokenizer, options)) {
  if (options.max_running < 1 || options.max_queued < 0) {
    throw UsageError("scheduler: max_running must be at least 1 and max_queued at least 0");
  }
  state_->worker = std::thread([s = state_.get()] { s->loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(state_->shared->mu);
    state_->shared->stopping = true;
  }
  state_->shared->wake.notify_one();
  state_->worker.join();
  for (const auto& stream : state_->queue) stream->finish(cancelled_result(*stream), {});
  for (auto& r : state_->running) state_->end(*r, FinishReason::cancelled);
}

std::shared_ptr<GenerationStream> Scheduler::submit(GenerationRequest request) {
  State& s = *state_;
  const int64_t prompt = static_cast<int64_t>(request.prompt.size());
  if (prompt == 0) throw UsageError("generation: the prompt is empty");
  if (prompt + 1 > s.engine.max_context()) {
    throw UsageError("generation: a prompt of " + std::to_string(prompt) +
                     " tokens leaves no room to generate in the model's context of " +
                     std::to_string(s.engine.max_context()) + " tokens");
  }
  if (request.max_new_tokens < 1) throw UsageError("generation: max_new_tokens must be at least 1");
  validate_sampling(request.sampling);
  const int64_t V = s.engine.config().vocab;
  for (size_t i = 0; i < request.prompt.size(); ++i) {
    if (request.prompt[i] < 0 || request.prompt[i] >= V) {
      throw UsageError("generation: prompt token " + std::to_string(i) + " is id " +
                       std::to_string(request.prompt[i]) + ", outside the vocabulary [0, " +
                       std::to_string(V) + ")");
    }
  }
  auto stream = std::make_shared<Stream>(std::move(request), s.shared);
  {
    std::lock_guard lock(s.shared->mu);
    if (s.shared->held >= s.options.max_running + s.options.max_queued) {
      throw QueueFull("generation: " + std::to_string(s.shared->held) +
                      " requests are already running or waiting; try again later");
    }
    ++s.shared->held;
    s.queue.push_back(stream);
  }
  s.shared->wake.notify_one();
  return stream;
}

GenerationResult Scheduler::run(GenerationRequest request) {
  const std::shared_ptr<GenerationStream> stream = submit(std::move(request));
  std::string delta;
  while (stream->next(delta)) {
  }
  return stream->result();
}

}  // namespace longalign::infer
