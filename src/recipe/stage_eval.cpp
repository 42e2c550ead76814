// The eval stage: exact-match accuracy on the held-out tasks by task and length, scored with
// train::score_store (as `longalign score`) and tabulated with train::tabulate_accuracy.
#include "core/error.h"
#include "core/file_io.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "recipe/stages.h"
#include "train/accuracy_table.h"
#include "train/score.h"

namespace longalign::recipe {

namespace {

// The task and length of each held-out sample, in file order (the store's order).
std::vector<std::pair<std::string, int64_t>> held_out_tasks(const std::filesystem::path& file) {
  std::vector<std::pair<std::string, int64_t>> tasks;
  const std::string text = read_file(file);
  size_t start = 0, line = 1;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1, ++line) {
    const Json j =
        parse_json(text.substr(start, end - start), file.string() + ":" + std::to_string(line));
    tasks.emplace_back(json_string(j, "task", file.string()), j.at("length").get<int64_t>());
  }
  return tasks;
}

}  // namespace

void run_eval(const RunPaths& paths) {
  const model::ModelConfig config = model::load_config(paths.model);
  model::Parameters params(config);
  model::load_parameters(params, config, paths.model);
  const data::StoreReader store(paths.test_store);
  const auto tasks = held_out_tasks(paths.synth_test);
  if (store.size() != tasks.size()) {
    throw Error(paths.test_store.string() + ": holds " + std::to_string(store.size()) +
                " samples, expected the " + std::to_string(tasks.size()) + " held-out tasks");
  }
  const auto engine = train::make_cpu_engine(config, params, nullptr);
  std::vector<train::ScoredAnswer> answers;
  for (const train::SampleScore& s : train::score_store(*engine, store, {})) {
    answers.push_back({tasks[s.index].first, tasks[s.index].second, s.greedy_correct});
  }
  const train::AccuracyTable table = train::tabulate_accuracy(answers);
  write_file_atomic(paths.accuracy_text, train::accuracy_table_text(table));
  write_file_atomic(paths.accuracy, train::accuracy_table_json(table).dump(2) + "\n");
}

}  // namespace longalign::recipe
