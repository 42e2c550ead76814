#include "recipe/demo_recipe.h"

namespace longalign::recipe {

std::string demo_recipe_text(const std::filesystem::path& tokenizer) {
  return R"(# The LongAlign recipe at small scale: `longalign recipe run` on this file is `make demo`.
# LongAlign's mix scaled down: long data of 8k-64k tokens becomes 256-1024 tokens, fewer samples as
# they get longer (each length gets about the same tokens), mixed with short chats standing in
# for ShareGPT. docs/RECIPE.md describes every key.

tokenizer = ")" +
         tokenizer.string() + R"("   # Llama-2's tokenizer (a model folder or tokenizer.json)
seed = 1

[synth]
lengths = [256, 512, 1024]   # tokens of the user message
equal_tokens = true          # counts fall as 1/length
held_out = 8                 # held-out tasks per task and length (another seed)
short_chats = 10000
# Copying digits and recalling a number are what the passkey builds on: they come most often.
chat_kinds = ["copy", "recall", "copy", "recall", "copy", "arithmetic", "reverse", "uppercase"]

[[synth.tasks]]
name = "passkey"             # the task a model this small learns in minutes gets most samples
count = 512                  # at the shortest length

[[synth.tasks]]
name = "kv"
count = 32

[[synth.tasks]]
name = "vartrack"
count = 32

[data]
template = "llama2"
max_length = 1088            # the longest task and the chat template around it
truncation = "skip"

[plan]
method = "pack"
packer = "balanced"
pack_size = 1088
epochs = 4

[train]
lr = 1e-3
loss = "sequence"            # LongAlign's loss weighting
log_every = 50
save_every = 500             # checkpoints: a killed run resumes from the last one
eval_every = 500             # held-out loss

[train.init]                 # a small Llama from random weights, with LongAlign's raised rope_theta
layers = 2
hidden = 128
heads = 4
kv_heads = 4
intermediate = 384
rope_theta = 2000000.0

[eval]
tasks = true                 # exact match on the held-out tasks, by task and length
)";
}

std::string starter_recipe_text() {
  return R"(# A LongAlign recipe: `longalign recipe run recipe.toml -o RUN_DIR`. Every table (stage) is
# optional; paths are relative to this file. docs/RECIPE.md describes every key.

tokenizer = "MODEL_DIR"      # the model folder whose tokenizer the data is made with
seed = 1
threads = 0                  # 0: every core

# Synthetic long tasks and short chats, mixed into the training data; their held-out tasks are
# scored in [eval]. Leave the table out to train on your own data alone.
[synth]
lengths = [8192, 16384, 32768]
equal_tokens = true          # counts fall as 1/length
held_out = 8                 # held-out tasks per task and length
short_chats = 0
chat_kinds = []              # arithmetic, copy, reverse, uppercase, recall

[[synth.tasks]]
name = "passkey"             # passkey, kv, multi-needle, vartrack
count = 64                   # at the shortest length

# Self-instruct as `longalign synth self-instruct`: questions about your long documents and their
# answers, asked of a model at an OpenAI-compatible endpoint (RUN_DIR/synth/self_instruct.jsonl,
# mixed into [data]). A rerun of an interrupted stage makes only the samples it lacks.
# [synth.self_instruct]
# docs = "docs"                # folder of .txt files, or JSONL with "text"
# endpoint = "http://127.0.0.1:8000/v1"
# model = "glm-4"              # the model name sent with each request
# api_key_env = "OPENAI_API_KEY"   # environment variable holding the API key
# types = ["general", "summary", "reasoning", "extraction"]
# min_tokens = 8000            # shorter documents are skipped (the recipe's tokenizer counts)
# max_tokens = 64000           # longer documents are skipped
# questions = 5                # questions asked for per document
# concurrency = 8              # requests in flight
# weight = 1.0                 # its mixing weight in [data]

[data]
inputs = [
  { path = "long.jsonl", weight = 1.0 },        # chat JSONL: {"messages": [...]} per line
  { path = "sharegpt.jsonl", weight = 1.0 },
]
# held_out = "held_out.jsonl"  # chat JSONL for the held-out loss; default: the synth tasks
template = "llama2"          # llama2, chatglm3, llama3, chatml, mistral, plain, chatglm3-roles
max_length = 65536
truncation = "right"         # right, left, middle or skip

[plan]
method = "pack"              # pack, sort or naive
packer = "balanced"          # balanced, ffd, bfd, next-fit
pack_size = 65536            # at least data.max_length
world_size = 1
grad_accum = 1
epochs = 2

[train]
model = "MODEL_DIR"          # or a [train.init] table: a model from random weights
device = "auto"              # auto, cpu or cuda
dtype = "bf16"               # bf16 or fp32 products
lr = 2e-5
warmup_ratio = 0.03
weight_decay = 0.0
schedule = "cosine"          # cosine, linear or constant
loss = "sequence"            # sequence (LongAlign's weighting), token or pack
max_steps = 0                # 0: the whole plan
save_every = 100             # checkpoints; a killed run resumes from the last one
eval_every = 100             # held-out loss
log_every = 10
keep_last = 2

[eval]
tasks = true                 # exact match on the synth stage's held-out tasks

# The needle grid of `longalign eval needle`, answered by the trained model (RUN_DIR/needle).
# [eval.needle]
# haystack = "haystack"        # folder whose *.txt files fill each context
# lengths = "1k..8k:4"         # context lengths in tokens: A..B:N or a comma list
# depths = "0..100:11"         # needle depths in percent
# match = "contains"           # contains or exact
# max_new_tokens = 64          # tokens of each length kept for the answer
# needle, question, answer     # your own fact, all three or none (default: the project's own)

# LongBench-Chat as `longalign eval longbench-chat`: the trained model answers, an LLM judge rates
# (RUN_DIR/longbench_chat).
# [eval.longbench_chat]
# data = "LongBench-Chat"      # folder of test_cases.json, few_shots.json, prompt_fs.txt
# judge = "https://api.openai.com/v1"   # the judge's OpenAI-compatible base URL
# judge_model = "gpt-4"
# judge_key_env = "OPENAI_API_KEY"      # environment variable holding the judge's API key
# judge_runs = 2               # judgments per answer, few-shot examples reordered in each
# max_length = 64000           # prompt tokens kept at most, cut in the middle
# max_new_tokens = 1024
)";
}

}  // namespace longalign::recipe
