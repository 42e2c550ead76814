#include "train/micro_batch.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"

namespace longalign::train {

model::Batch build_micro_batch(const data::StoreReader& store, const data::MicroBatch& ids,
                               const MicroBatchShape& shape) {
  size_t longest = 0;
  for (uint32_t id : ids) {
    if (id >= store.size()) {
      throw Error("plan names sample " + std::to_string(id) + " but the store has " +
                  std::to_string(store.size()));
    }
    longest = std::max<size_t>(longest, store.entry(id).length);
  }
  std::vector<std::vector<uint32_t>> padded_ids;
  std::vector<std::vector<uint8_t>> padded_mask;
  // Reserved so that the padded copies never move while views point into them.
  padded_ids.reserve(ids.size());
  padded_mask.reserve(ids.size());
  std::vector<model::SequenceView> views;
  for (uint32_t id : ids) {
    std::span<const uint32_t> tokens = store.ids(id);
    std::span<const uint8_t> mask = store.mask(id);
    if (shape.pad_to_longest && tokens.size() < longest) {
      padded_ids.emplace_back(tokens.begin(), tokens.end());
      padded_ids.back().resize(longest, shape.pad_token);
      padded_mask.emplace_back(mask.begin(), mask.end());
      padded_mask.back().resize(longest, 0);
      tokens = padded_ids.back();
      mask = padded_mask.back();
    }
    views.push_back({tokens, mask});
  }
  model::Batch batch = model::make_batch(views, shape.positions);
  model::pad_to_multiple(batch, shape.pad_multiple, static_cast<int32_t>(shape.pad_token));
  return batch;
}

int64_t padding_tokens(const data::StoreReader& store, const data::MicroBatch& ids,
                       const model::Batch& batch) {
  int64_t own = 0;
  for (uint32_t id : ids) own += store.entry(id).length;
  return batch.size() - own;
}

}  // namespace longalign::train
