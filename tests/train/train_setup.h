// A tiny model folder, a store of random learnable samples and a plan, made through the CLI as a
// user would: what the `longalign train` tests start from.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "data/store.h"
#include "test_support.h"

namespace longalign::testing {

constexpr const char* kConfig = R"({"model_type": "llama", "hidden_size": 48,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "intermediate_size": 64, "vocab_size": 97, "max_position_embeddings": 512,
    "rms_norm_eps": 1e-5, "rope_theta": 2000000.0, "hidden_act": "silu",
    "initializer_range": 0.05})";

// A model folder, a store of `samples` random samples (each with targets) and a packed plan.
struct TrainSetup {
  TempDir dir;
  fs::path model = dir.path() / "model", store = dir.path() / "store";
  fs::path plan = dir.path() / "plan.json";

  TrainSetup(int samples, const std::string& plan_args) {
    const fs::path config = dir.write("config.json", kConfig);
    const auto init = run_longalign("model init --config " + config.string() + " -o " +
                                    model.string() + " --seed 5");
    if (init.code != 0) ADD_FAILURE() << init.err;
    data::StoreWriter writer(store, data::StoreInfo{});
    std::mt19937 rng(11);
    for (int i = 0; i < samples; ++i) {
      const int length = 6 + int(rng() % 40), prompt = 1 + int(rng() % (length - 2));
      std::vector<uint32_t> ids(length);
      std::vector<uint8_t> mask(length);
      // A random start, then each token a fixed function of the one before: learnable.
      ids[0] = 1 + rng() % 96;
      for (int t = 0; t < length; ++t) {
        if (t > 0) ids[t] = 1 + (ids[t - 1] * 7 + 3) % 96;
        mask[t] = t >= prompt;
      }
      writer.add(ids, mask, 0);
    }
    writer.finish();
    const auto planned = run_longalign("data plan " + store.string() + " " + plan_args +
                                       " --batch-size 1 --seed 3 -o " + plan.string());
    if (planned.code != 0) ADD_FAILURE() << planned.err;
  }

  std::string train_args(const fs::path& out, const std::string& extra) const {
    return "train --model " + model.string() + " --data " + store.string() + " --plan " +
           plan.string() + " -o " + out.string() + " --dtype fp32 --lr 3e-3 " + extra;
  }
};

}  // namespace longalign::testing
