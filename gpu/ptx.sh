#!/usr/bin/env bash
# Regenerates the committed PTX of the CUDA backend (make ptx; go generate).
#
# For every kernels/NAME.cu and every architecture in ARCHS it writes
# kernels/NAME_ARCH.ptx, then records in kernels/PTX.sum the sha256 of each
# source and each PTX file, the flags and the nvcc version. TestPTXCurrent
# (default build, no nvcc needed) fails when a source, the flags or a PTX
# file no longer match that record: run this script and commit its output.
#
# Needs nvcc (CUDA ≥ 11.8; on Debian bookworm: nvidia-cuda-toolkit from
# non-free). nvcc 11.8 refuses gcc 12, so g++-11 is used where present.
set -euo pipefail
cd "$(dirname "$0")/kernels"

# Exact float32 arithmetic: no contraction into fused multiply-adds, no
# flush of denormals, IEEE division and square root (no fast math).
FLAGS="-fmad=false -ftz=false -prec-div=true -prec-sqrt=true -O3 -std=c++14"
ARCHS="80 90"

NVCC=${NVCC:-nvcc}
if ! command -v "$NVCC" >/dev/null 2>&1; then
  echo "ptx.sh: nvcc not found (install the CUDA toolkit or set NVCC)" >&2
  exit 1
fi
CCBIN=()
if command -v g++-11 >/dev/null 2>&1; then
  CCBIN=(-ccbin g++-11)
fi
version=$("$NVCC" --version | grep -o 'release .*' | head -1)

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  echo "# Written by gpu/ptx.sh; checked by TestPTXCurrent. Do not edit."
  echo "flags $FLAGS"
  echo "archs $ARCHS"
  echo "nvcc $version"
} >"$tmp"
for cu in *.cu; do
  echo "source $cu $(sha256sum "$cu" | cut -d' ' -f1)" >>"$tmp"
  for a in $ARCHS; do
    out="${cu%.cu}_$a.ptx"
    # shellcheck disable=SC2086
    "$NVCC" "${CCBIN[@]}" $FLAGS -arch=compute_$a -ptx -o "$out" "$cu"
    echo "ptx $out $(sha256sum "$out" | cut -d' ' -f1)" >>"$tmp"
  done
done
chmod 644 "$tmp"
mv "$tmp" PTX.sum
trap - EXIT
echo "ptx.sh: $(grep -c '^ptx ' PTX.sum) PTX files written ($version)"
