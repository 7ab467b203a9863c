#!/usr/bin/env bash
# gpu/check.sh [BUNDLE [REPORT]] — the one GPU check (make gpu-check).
#
# Runs on the GPU machine, which needs no Go toolchain and no network:
# BUNDLE (default bin/gpu-bundle, made by `make gpu-bundle` on a build
# machine) holds the cuda-tagged test binary gpu.test, BUILD-INFO and the
# connectome files under data/. Where BUNDLE has no gpu.test and Go is
# present, it is built first. Every GPU test (parity with the CPU engine,
# a batch of 24 different brains, a 20,000-step run) and benchmark (20
# TVB96 brains at npr 200: ms per batch step) runs with REQUIRE_GPU=1, so
# a missing or broken GPU fails instead of skipping. Everything goes to
# one report file (default gpu-check-report.txt); the exit status is the
# test binary's. Designed to finish in well under 8 minutes on one H200.
# CHECK_RUN and CHECK_BENCH, when set, replace the test and benchmark
# patterns (to try the script itself, e.g. on the CPU emulator).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$(cd "${1:-$root/bin/gpu-bundle}" 2>/dev/null && pwd || echo "${1:-$root/bin/gpu-bundle}")"
report="${2:-gpu-check-report.txt}"
case "$report" in /*) ;; *) report="$PWD/$report" ;; esac

if [ ! -x "$bundle/gpu.test" ]; then
  if command -v go >/dev/null 2>&1; then
    "$root/gpu/bundle.sh" "$bundle" || exit 1
  else
    echo "check.sh: $bundle/gpu.test not found and no Go toolchain to build it (run make gpu-bundle on the build machine)" >&2
    exit 1
  fi
fi

start=$(date +%s)
{
  echo "# encephagen gpu-check, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "## machine"
  uname -srm
  if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1; else echo "nvidia-smi: not found"; fi
  ldconfig -p 2>/dev/null | grep -m3 'libcuda\.so' || echo "ldconfig: no libcuda.so in the cache"
  echo "## build"
  cat "$bundle/BUILD-INFO" 2>/dev/null || echo "no BUILD-INFO"
  echo "## tests and benchmarks"
} >"$report"

export REQUIRE_GPU=1
export ENCEPHAGEN_DATA="${ENCEPHAGEN_DATA:-$bundle/data}"
# The test binary reads nothing relative to its directory, but run it
# where `go test` would.
cd "$root/gpu"
timeout 450 "$bundle/gpu.test" -test.v -test.count=1 -test.timeout 440s \
  -test.run "${CHECK_RUN:-Available|GPU}" -test.bench "${CHECK_BENCH:-GPU}" -test.benchtime 3x 2>&1 | tee -a "$report"
rc=${PIPESTATUS[0]}

{
  echo "## summary (exit status $rc, $(( $(date +%s) - start )) s)"
  grep -E '^(--- (PASS|FAIL|SKIP)|ok|PASS|FAIL|Benchmark.*ms/batch-step)' "$report" | grep -v '^    ' || true
  grep -E 'gpu_cuda_test.go:[0-9]+: (Available|cuda:|CPU )' "$report" | sed 's/^ *//' || true
} >>"$report.summary"
cat "$report.summary" >>"$report"
rm -f "$report.summary"
tail -n 40 "$report"
exit "$rc"
