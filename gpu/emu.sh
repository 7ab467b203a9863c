#!/usr/bin/env bash
# Runs the cuda-tagged tests of gpu/ on the CPU emulator of the CUDA driver
# (gpu/emu/libcuda_emu.cpp): the Go binding, uploads, launch arguments, the
# kernels' source and read-back are exercised on a machine without a GPU.
# Needs g++ only (no CUDA toolkit). Extra arguments go to `go test`, e.g.
#   gpu/emu.sh -run 'GPUMatchesCPU$' -v
set -euo pipefail
cd "$(dirname "$0")/.."
out="${TMPDIR:-/tmp}/encephagen-emu"
mkdir -p "$out"
"${CXX:-g++}" -O2 -std=c++17 -shared -fPIC -fvisibility=hidden \
  -ffp-contract=off -fno-fast-math -U_FORTIFY_SOURCE \
  -o "$out/libcuda_emu.so" gpu/emu/libcuda_emu.cpp
export ENCEPHAGEN_LIBCUDA="$out/libcuda_emu.so" REQUIRE_GPU=1
export ENCEPHAGEN_DATA="${ENCEPHAGEN_DATA:-$(cd .. && pwd)/shared/connectomes}"
exec go test -tags cuda -count=1 -timeout 60m "$@" ./gpu
