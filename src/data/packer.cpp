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

// Worst-fit decreasing into `count` packs opened up front: each sample, longest first, goes into
// the pack with the most room. Long samples spread one per pack before any pack takes a second,
// and the short ones then level the packs' fill, so no pack is made of short samples alone.
// Returns false, leaving `packs` partial, as soon as a sample finds no pack with room.
bool worst_fit_into(const std::vector<Sample>& samples, const std::vector<uint32_t>& order,
                    uint64_t cap, size_t count, std::vector<MicroBatch>& packs) {
  packs.assign(count, {});
  // A binary max-heap of (room, pack), ties to the lower pack index. Taking room from the top
  // pack only ever lowers its key, so one sift down replaces a pop and a push.
  struct Entry {
    uint64_t room;
    uint32_t pack;
    bool before(const Entry& o) const { return room != o.room ? room > o.room : pack < o.pack; }
  };
  std::vector<Entry> heap(count);
  for (size_t p = 0; p < count; ++p) heap[p] = {cap, static_cast<uint32_t>(p)};
  for (const uint32_t id : order) {
    if (samples[id].length > heap[0].room) return false;
    packs[heap[0].pack].push_back(id);
    const Entry moved{heap[0].room - samples[id].length, heap[0].pack};
    size_t at = 0;
    for (size_t child = 1; child < count; child = 2 * at + 1) {
      if (child + 1 < count && heap[child + 1].before(heap[child])) ++child;
      if (!heap[child].before(moved)) break;
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = moved;
  }
  return true;
}

// The fewest packs worst fit can manage without a sample left over, searched upward from the
// lower bound (total tokens / cap, and one pack per sample over half the cap) in doubling steps
// that start at 1/2048 of the bound: a few passes, and at most twice the packs above the bound
// that were needed, or 0.05% of them.
// Opening an overflow pack instead would collect the shortest samples in a pack of their own,
// the very thing this packer avoids.
std::vector<MicroBatch> balanced(const std::vector<Sample>& samples, uint64_t cap) {
  if (samples.empty()) return {};
  uint64_t total = 0;
  size_t over_half = 0;
  for (const Sample& s : samples) {
    total += s.length;
    over_half += s.length > cap / 2;
  }
  const auto order = longest_first(samples);
  const auto fill_bound = static_cast<size_t>(total / cap + (total % cap != 0));
  size_t count = std::max<size_t>({1, fill_bound, over_half});
  std::vector<MicroBatch> packs;
  // One sample per pack always fits, so the search ends by samples.size() at the latest. Every
  // sample has a token and count never exceeds the samples, so no pack stays empty: the first
  // `count` samples each open one.
  for (size_t step = std::max<size_t>(1, count / 2048);
       !worst_fit_into(samples, order, cap, count, packs); step *= 2) {
    count = std::min(samples.size(), count + step);
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
    case Packer::kBalanced:
      return balanced(samples, max_tokens);
  }
  return {};
}

}  // namespace longalign::data
