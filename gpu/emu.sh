#!/usr/bin/env bash
# Runs the cuda-tagged tests of gpu/ on the CPU emulator of the CUDA driver
# (gpu/emu/libcuda_emu.cpp): gorgonia.org/cu, the uploads, launch arguments,
# the kernels' source and read-back are exercised on a machine without a
# GPU. The emulator is built as libcuda.so.1 and put first on the library
# path, so the test binary (linked against the toolkit's libcuda.so) loads
# it instead of the real driver; symbols it lacks are never called (lazy
# binding). Needs g++ and the CUDA headers (nvidia-cuda-dev). Extra
# arguments go to `go test`, e.g.
#   gpu/emu.sh -run 'GPUMatchesCPU$' -v
# EMU_PKG and EMU_TAGS choose another package and build tags (make
# test-cuda runs cmd/encephagen's cudacheck test on the emulator too).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${TMPDIR:-/tmp}/encephagen-emu"
mkdir -p "$out"
"${CXX:-g++}" -O2 -std=c++17 -shared -fPIC -fvisibility=hidden \
  -ffp-contract=off -fno-fast-math -U_FORTIFY_SOURCE -Wl,-soname,libcuda.so.1 \
  -o "$out/libcuda.so.1" gpu/emu/libcuda_emu.cpp
export LD_LIBRARY_PATH="$out${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" REQUIRE_GPU=1
export ENCEPHAGEN_DATA="${ENCEPHAGEN_DATA:-$(cd .. && pwd)/shared/connectomes}"
exec go test -tags "${EMU_TAGS:-cuda}" -count=1 -timeout 60m "$@" "${EMU_PKG:-./gpu}"
