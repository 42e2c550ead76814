#include "data/packer.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <utility>

namespace longalign::data {

namespace {

// Sample ids longest first; ties by id so the order (and so the packs) never depend on the sort.
std::vector<uint32_t> longest_first(const std::vector<Sample>& samples) {
  std::vector<uint32_t> order(samples.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (samples[a].length != samples[b].length) return samples[a].length > samples[b].length;
    return a < b;
  });
  return order;
}

// A max-segment-tree over the remaining room of packs 0..n-1 (unopened packs have full room), so
// "the first pack with room for x" is one descent: O(log n) instead of a scan over open packs.
class FirstFitTree {
 public:
  FirstFitTree(size_t n, uint64_t capacity) {
    while (size_ < n) size_ *= 2;
    room_.assign(2 * size_, capacity);
  }
  // The leftmost pack whose room is at least x (the caller guarantees one exists).
  size_t first_with_room(uint64_t x) const {
    size_t node = 1;
    while (node < size_) node = room_[2 * node] >= x ? 2 * node : 2 * node + 1;
    return node - size_;
  }
  void take(size_t pack, uint64_t x) {
    size_t node = pack + size_;
    room_[node] -= x;
    for (node /= 2; node >= 1; node /= 2) {
      room_[node] = std::max(room_[2 * node], room_[2 * node + 1]);
    }
  }

 private:
  size_t size_ = 1;
  std::vector<uint64_t> room_;
};

std::vector<MicroBatch> first_fit_decreasing(const std::vector<Sample>& samples, uint64_t cap) {
  // n samples never need more than n packs, so the tree has a leaf for every pack we could open.
  FirstFitTree tree(samples.size(), cap);
  std::vector<MicroBatch> packs;
  for (const uint32_t id : longest_first(samples)) {
    const size_t p = tree.first_with_room(samples[id].length);
    tree.take(p, samples[id].length);
    if (p == packs.size()) packs.emplace_back();
    packs[p].push_back(id);
  }
  return packs;
}

std::vector<MicroBatch> best_fit_decreasing(const std::vector<Sample>& samples, uint64_t cap) {
  // Open packs keyed by remaining room: the best fit is the smallest room >= the length.
  std::set<std::pair<uint64_t, uint32_t>> open;
  std::vector<MicroBatch> packs;
  for (const uint32_t id : longest_first(samples)) {
    const uint64_t len = samples[id].length;
    auto it = open.lower_bound({len, 0});
    uint64_t room = cap;
    uint32_t p = 0;
    if (it == open.end()) {
      p = static_cast<uint32_t>(packs.size());
      packs.emplace_back();
    } else {
      room = it->first;
      p = it->second;
      open.erase(it);
    }
    packs[p].push_back(id);
    // A pack with no room left can take nothing more; keeping it out keeps the set small.
    if (room > len) open.emplace(room - len, p);
  }
  return packs;
}

std::vector<MicroBatch> next_fit(const std::vector<Sample>& samples, uint64_t cap) {
  std::vector<MicroBatch> packs;
  uint64_t used = 0;
  for (uint32_t id = 0; id < samples.size(); ++id) {
    // Compared as room left, so a huge cap cannot overflow the sum.
    if (packs.empty() || samples[id].length > cap - used) {
      packs.emplace_back();
      used = 0;
    }
    packs.back().push_back(id);
    used += samples[id].length;
  }
  return packs;
}

}  // namespace

std::vector<MicroBatch> pack_samples(const std::vector<Sample>& samples, uint64_t max_tokens,
                                     Packer packer) {
  switch (packer) {
    case Packer::kFirstFitDecreasing:
      return first_fit_decreasing(samples, max_tokens);
    case Packer::kBestFitDecreasing:
      return best_fit_decreasing(samples, max_tokens);
    case Packer::kNextFit:
      return next_fit(samples, max_tokens);
  }
  return {};
}

}  // namespace longalign::data
