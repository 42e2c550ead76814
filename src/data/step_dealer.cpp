#include "data/step_dealer.h"

#include <algorithm>
#include <numeric>

#include "data/shuffle.h"

namespace longalign::data {

std::vector<MicroBatch> deal_into_steps(std::vector<MicroBatch> packs, size_t per_step,
                                        uint64_t seed) {
  uint64_t state = seed;
  seeded_shuffle(packs, splitmix64(state));
  if (per_step <= 1) return packs;
  // The remainder, a random set after the shuffle, waits at the end as the short last step.
  const size_t steps = packs.size() / per_step;
  const size_t body = steps * per_step;
  std::stable_sort(packs.begin(), packs.begin() + static_cast<ptrdiff_t>(body),
                   [](const MicroBatch& a, const MicroBatch& b) { return a.size() > b.size(); });

  std::vector<std::vector<size_t>> members(steps);  // pack positions of each step
  std::vector<size_t> sequences(steps, 0);
  std::vector<size_t> lightest_first(steps);
  std::vector<uint64_t> tie(steps);
  for (size_t stratum = 0; stratum < per_step; ++stratum) {
    std::vector<size_t> dealt(steps);
    std::iota(dealt.begin(), dealt.end(), stratum * steps);
    seeded_shuffle(dealt, splitmix64(state));
    for (uint64_t& t : tie) t = splitmix64(state);
    std::iota(lightest_first.begin(), lightest_first.end(), size_t{0});
    std::sort(lightest_first.begin(), lightest_first.end(), [&](size_t a, size_t b) {
      return sequences[a] != sequences[b] ? sequences[a] < sequences[b] : tie[a] < tie[b];
    });
    for (size_t i = 0; i < steps; ++i) {
      const size_t s = lightest_first[i];
      members[s].push_back(dealt[i]);
      sequences[s] += packs[dealt[i]].size();
    }
  }
  seeded_shuffle(members, splitmix64(state));

  std::vector<MicroBatch> dealt;
  dealt.reserve(packs.size());
  for (const auto& step : members) {
    for (const size_t p : step) dealt.push_back(std::move(packs[p]));
  }
  for (size_t p = body; p < packs.size(); ++p) dealt.push_back(std::move(packs[p]));
  return dealt;
}

}  // namespace longalign::data
