// The data stage: the training mix and the held-out set as tokenized stores, through
// data::prepare_store (as `longalign data prepare`).
#include "data/prepare.h"
#include "recipe/stages.h"

namespace longalign::recipe {

namespace {

data::PrepareOptions prepare_options(const Recipe& recipe) {
  data::PrepareOptions o;
  o.tokenizer = recipe.tokenizer;
  o.chat_template = recipe.data->chat_template;
  o.max_length = recipe.data->max_length;
  o.truncation = recipe.data->truncation;
  o.seed = recipe.seed;
  o.threads = recipe.threads;
  return o;
}

}  // namespace

void run_data(const Recipe& recipe, const RunPaths& paths) {
  data::PrepareOptions train = prepare_options(recipe);
  train.inputs = recipe.data->inputs;
  if (recipe.synth) train.inputs.push_back({paths.synth_train, 1.0});
  if (recipe.synth && recipe.synth->self_instruct)
    train.inputs.push_back({paths.synth_self_instruct, recipe.synth->self_instruct->weight});
  train.output = paths.store;
  data::prepare_store(train);

  data::PrepareOptions test = prepare_options(recipe);
  test.inputs = {{recipe.data->held_out.empty() ? paths.synth_test : recipe.data->held_out, 1.0}};
  test.output = paths.test_store;
  data::prepare_store(test);
}

}  // namespace longalign::recipe
