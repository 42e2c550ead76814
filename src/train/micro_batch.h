// A planned micro-batch (sample ids of the store) as the engine runs it. Packs are the samples end
// to end. Naive and sorted batches are padded to their longest sample, as a padded [B, L] batch
// would be computed: each sample gets pad tokens after its own (no targets; causal attention keeps
// them out of the sample's tokens), so the compute and the padding share are those of padding.
// Either kind may then be rounded up to a multiple of a few tokens (model::pad_to_multiple).
#pragma once

#include <cstdint>

#include "data/packer.h"
#include "data/store.h"
#include "model/batch.h"

namespace longalign::train {

struct MicroBatchShape {
  bool pad_to_longest = false;  // naive and sort plans
  model::PackPositions positions = model::PackPositions::restart;
  uint32_t pad_token = 0;
  int64_t pad_multiple = 1;  // round the batch's token count up to a multiple of this
};

model::Batch build_micro_batch(const data::StoreReader& store, const data::MicroBatch& ids,
                               const MicroBatchShape& shape);

// Tokens that are padding in `batch` (the difference to the samples' own lengths).
int64_t padding_tokens(const data::StoreReader& store, const data::MicroBatch& ids,
                       const model::Batch& batch);

}  // namespace longalign::train
