#!/usr/bin/env bash
# gpu/bundle.sh [DIR] — builds what the GPU machine needs (make gpu-bundle):
# DIR (default bin/gpu-bundle) receives gpu.test (the cuda-tagged tests of
# gpu/, built with `go test -c -tags cuda`), encephagen (the binary with the
# CUDA backend), the connectome files the tests read (data/) and
# BUILD-INFO. Carry DIR to the GPU machine with the repository and run
# gpu/check.sh DIR there. DIR/expect/ holds the CPU's results of the full
# Exp 23 and Exp 22, for check.sh to compare with the GPU's. Building needs Go, a C compiler (cgo) and the
# CUDA headers and link library (Debian: nvidia-cuda-dev), not nvcc: the
# PTX is committed. The binaries link libcuda.so.1 (gorgonia.org/cu) and
# nothing else from CUDA, so the GPU machine's driver is all they need.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/bin/gpu-bundle}"
GO=${GO:-go}
cd "$root"
rm -rf "$dir"
mkdir -p "$dir/data"
export CGO_ENABLED=1
"$GO" test -c -tags cuda -o "$dir/gpu.test" ./gpu
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
"$GO" build -tags cuda -ldflags "-X main.version=$version" -o "$dir/encephagen" ./cmd/encephagen
# The connectomes the GPU tests read, found through ENCEPHAGEN_DATA like
# the tests find them (default: ../shared/connectomes beside the checkout).
data="${ENCEPHAGEN_DATA:-$root/../shared/connectomes}"
for c in paupau tvb66 tvb68 tvb76 tvb80 tvb96; do
  found=
  IFS=: read -ra dirs <<<"$data"
  for d in "${dirs[@]}"; do
    if [ -f "$d/$c.zip" ]; then cp "$d/$c.zip" "$dir/data/"; found=1; break; fi
  done
  [ -n "$found" ] || { echo "bundle.sh: $c.zip not found in ENCEPHAGEN_DATA ($data)" >&2; exit 1; }
done
# The CPU's results of the full Exp 23 and Exp 22, which the GPU must
# reproduce unit for unit (about 3 minutes on two cores).
CGO_ENABLED=0 "$GO" build -o "$dir/encephagen-cpu" ./cmd/encephagen
for exp in 23_diversity 22_eprop; do
  ENCEPHAGEN_DATA="$data" "$dir/encephagen-cpu" exec "experiments/$exp.star" --out "$dir/expect/$exp" >/dev/null
done
rm "$dir/encephagen-cpu"
{
  echo "commit $(git rev-parse HEAD 2>/dev/null || echo unknown) ($version)"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm) with $("$GO" version | cut -d' ' -f3-)"
  echo "ptx $(grep '^nvcc' gpu/kernels/PTX.sum | cut -d' ' -f2-)"
  (cd "$dir" && sha256sum gpu.test encephagen)
} >"$dir/BUILD-INFO"
du -sh "$dir"
