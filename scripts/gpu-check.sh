#!/usr/bin/env bash
# The CUDA engine's checks on a GPU machine, in one run of under 8 minutes, ending with a summary.
#
#   scripts/gpu-check.sh BUNDLE_DIR [OUT_DIR]     (BUNDLE_DIR from scripts/gpu-bundle.sh)
#
# 1. cuda_test: the GPU engine against the CPU engine for every family (losses, gradients, an
#    AdamW step), the packing invariant, bit-identical repeats, attention against a naive
#    reference at lengths 1, 7, 64, 65, 130 and 4097 with GQA ratios 1, 2 and 8, 64k and 128k
#    packs.
# 2. `longalign train --device cuda`: a run stopped and resumed ends bit-identical to an
#    uninterrupted one; a checkpoint written on the CPU resumes on the GPU and one written on the
#    GPU resumes on the CPU.
# 3. A model folder saved after GPU training loads in transformers, and its per-sample losses
#    equal `longalign score --device cuda`.
# 4. bench/run_cuda_bench.sh's short form: 7B-shaped layers at 8k, 32k and 64k tokens, ours and
#    PyTorch's (skipped with SKIP_BENCH=1).
set -uo pipefail
bundle=${1:?usage: scripts/gpu-check.sh BUNDLE_DIR [OUT_DIR]}
out=${2:-${OUT:-/tmp/gpu-check}}
here="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$out" /tmp/la
tar -C /tmp/la -xJf "$bundle/bundle.tar.xz"
# CUDA's libraries: the toolkit's, else the ones PyTorch's nvidia-* packages bring.
cuda_libs=$(python3 - <<'PY'
import glob, os, site
dirs = set()
for root in site.getsitepackages() + ["/usr/local/cuda/lib64"]:
    for pattern in ("libcudart.so.13*", "libcublasLt.so.13*"):
        for f in glob.glob(os.path.join(root, "**", pattern), recursive=True):
            dirs.add(os.path.dirname(f))
print(":".join(sorted(dirs)))
PY
)
export LD_LIBRARY_PATH="/tmp/la/lib:$cuda_libs:${LD_LIBRARY_PATH:-}"
cli=/tmp/la/bin/longalign
summary=()
record() {  # NAME STATUS DETAIL
  summary+=("$(printf '%-44s %-5s %s' "$1" "$2" "$3")")
}
step() {  # NAME COMMAND...: runs it, records PASS/FAIL with the last line of its output
  local name=$1
  shift
  echo "== $name"
  if "$@" > "$out/$name.log" 2>&1; then
    record "$name" PASS "$(tail -n 1 "$out/$name.log")"
  else
    record "$name" FAIL "$(tail -n 1 "$out/$name.log")"
  fi
  tail -n 5 "$out/$name.log"
}

echo "== machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
ldd "$cli" | grep -E "not found|cublas|cudart" | sed 's/^/   /'

step cuda_test /tmp/la/bin/cuda_test --gtest_brief=1
step train_resume_and_devices bash "$here/scripts/gpu/train_checks.sh" "$cli" /tmp/la/tokenizer \
  "$out/train"
step transformers_loads_our_model python3 "$here/scripts/gpu/transformers_check.py" \
  "$out/train/cuda-full/model" "$out/train/store" "$cli"
if [ "${SKIP_BENCH:-0}" != 1 ]; then
  step bench_7b_layers bash "$here/bench/run_cuda_bench.sh" "$cli" "$out/bench" --short
fi

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
! printf '%s\n' "${summary[@]}" | grep -q " FAIL "
