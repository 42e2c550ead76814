#include "synth/self_instruct_plan.h"

#include <unordered_set>

#include "core/error.h"
#include "core/random.h"

namespace longalign::synth {

namespace {

// Separate streams for separate draws, so adding a draw of one kind never shifts another.
enum class Purpose : uint64_t { kType = 1, kSecondType = 2, kQuestion = 3, kRequest = 4 };

uint64_t draw(uint64_t hash_value, uint64_t seed, Purpose purpose, uint64_t extra = 0) {
  uint64_t state = splitmix64_hash(seed) ^ hash_value;
  state = splitmix64_hash(state ^ splitmix64_hash(static_cast<uint64_t>(purpose)));
  return splitmix64_hash(state ^ extra);
}

}  // namespace

TaskType draw_task_type(uint64_t hash_value, uint64_t seed, const std::vector<TaskType>& types,
                        int sample) {
  if (types.empty()) throw UsageError("no task types to draw from");
  const size_t k = types.size();
  const size_t first = draw(hash_value, seed, Purpose::kType) % k;
  if (sample == 0 || k == 1) return types[first];
  const size_t step = 1 + draw(hash_value, seed, Purpose::kSecondType) % (k - 1);
  return types[(first + step) % k];
}

size_t draw_question(uint64_t hash_value, uint64_t seed, TaskType type, size_t count) {
  return draw(hash_value, seed, Purpose::kQuestion, static_cast<uint64_t>(type)) % count;
}

int64_t request_seed(uint64_t hash_value, uint64_t seed, TaskType type, int attempt) {
  const uint64_t extra = static_cast<uint64_t>(type) << 32 | static_cast<uint32_t>(attempt);
  // 31 bits: some servers keep the seed in a 32-bit signed integer.
  return static_cast<int64_t>(draw(hash_value, seed, Purpose::kRequest, extra) & 0x7fffffff);
}

SelfInstructPlan plan_samples(const std::vector<Document>& documents,
                              const std::vector<int64_t>& lengths, const PlanOptions& options,
                              const std::set<SampleKey>& done) {
  if (options.upsample_above > 0 && options.types.size() < 2) {
    throw UsageError(
        "--upsample-above gives a second sample of another task type: it needs at "
        "least two --types");
  }
  SelfInstructPlan plan;
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < documents.size(); ++i) {
    const uint64_t hash_value = document_hash(documents[i].text);
    const std::string hash = document_hash_hex(hash_value);
    if (!seen.insert(hash).second) {
      ++plan.repeated;
      continue;
    }
    if (lengths[i] < options.min_tokens) {
      ++plan.too_short;
      continue;
    }
    if (lengths[i] > options.max_tokens) {
      ++plan.too_long;
      continue;
    }
    const int samples = options.upsample_above > 0 && lengths[i] > options.upsample_above ? 2 : 1;
    SampleJob job;
    job.document = i;
    job.hash = hash;
    job.hash_value = hash_value;
    job.language = detect_language(documents[i].text);
    job.tokens = lengths[i];
    for (int s = 0; s < samples; ++s) {
      job.type = draw_task_type(job.hash_value, options.seed, options.types, s);
      if (done.contains({hash, job.type})) {
        ++plan.already_done;
        continue;
      }
      plan.jobs.push_back(job);
    }
  }
  return plan;
}

}  // namespace longalign::synth
