#include "train/score.h"

namespace longalign::train {

std::vector<SampleScore> score_store(Engine& engine, const data::StoreReader& store,
                                     const ScoreOptions& options) {
  std::vector<SampleScore> scores;
  std::vector<model::SequenceView> pack;
  int64_t pack_tokens = 0;
  auto flush = [&] {
    if (pack.empty()) return;
    const model::Batch batch = model::make_batch(pack, options.positions);
    std::vector<float> token_loss(batch.size());
    std::vector<uint8_t> token_correct(batch.size());
    engine.forward(batch, options.precision, token_loss.data(), token_correct.data());
    const std::vector<double> sums = model::sum_per_sequence(batch, token_loss);
    for (size_t s = 0; s < sums.size(); ++s) {
      SampleScore score;
      score.index = scores.size();
      score.tokens = batch.cu_seqlens[s + 1] - batch.cu_seqlens[s];
      score.targets = batch.target_counts[s];
      score.loss_sum = sums[s];
      int64_t correct = 0;
      for (int32_t t = batch.cu_seqlens[s]; t < batch.cu_seqlens[s + 1]; ++t) {
        correct += token_correct[t];
      }
      score.greedy_correct = score.targets > 0 && correct == score.targets;
      scores.push_back(score);
    }
    pack.clear();
    pack_tokens = 0;
  };
  for (size_t i = 0; i < store.size(); ++i) {
    const int64_t length = store.entry(i).length;
    if (pack_tokens + length > options.max_tokens) flush();
    pack.push_back({store.ids(i), store.mask(i)});
    pack_tokens += length;
  }
  flush();
  return scores;
}

}  // namespace longalign::train
