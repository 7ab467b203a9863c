#!/usr/bin/env bash
# gpu/check.sh [BUNDLE [REPORT]] — the one GPU check (make gpu-check).
#
# Runs on the GPU machine, which needs no Go toolchain and no network:
# BUNDLE (default bin/gpu-bundle, made by `make gpu-bundle` on a build
# machine) holds the cuda-tagged test binary gpu.test, BUILD-INFO and the
# connectome files under data/. Where BUNDLE has no gpu.test and Go is
# present, it is built first. Every GPU test (parity with the CPU engine,
# a batch of 24 different brains, a 20,000-step run, hand-overs) and
# benchmark (20 TVB96 brains at npr 200: ms per batch step) runs with
# REQUIRE_GPU=1, so a missing or broken GPU fails instead of skipping; then
# the full Exp 23 and Exp 22 run on the GPU, timed, and their units are
# compared with the CPU's. Everything goes to
# one report file (default gpu-check-report.txt); the exit status is the
# test binary's. Designed to finish in well under 8 minutes on one H200.
# CHECK_RUN and CHECK_BENCH, when set, replace the test and benchmark
# patterns, CHECK_EXPERIMENTS the list of name:seconds and CHECK_SETS adds
# --set flags to them, CHECK_SKIP_EXPERIMENTS=1 skips them (to try the
# script itself, e.g. on the CPU emulator).
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
timeout 220 "$bundle/gpu.test" -test.v -test.count=1 -test.timeout 210s \
  -test.run "${CHECK_RUN:-Available|GPU}" -test.bench "${CHECK_BENCH:-GPU}" -test.benchtime 3x 2>&1 | tee -a "$report"
rc=${PIPESTATUS[0]}

# Whole experiments on the GPU (--backend cuda), timed: Exp 23 (16 brains,
# no learning) and Exp 22 (20 brains, e-prop) must reproduce the CPU's unit
# files (bundle.sh made them).
cd "$root"
if [ -z "${CHECK_SKIP_EXPERIMENTS:-}" ]; then
  work="$(mktemp -d)"
  for exp in ${CHECK_EXPERIMENTS:-23_diversity:90 22_eprop:130}; do
    name=${exp%%:*} limit=${exp##*:}
    echo "## experiment $name on the GPU (limit ${limit} s)" | tee -a "$report"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086 # CHECK_SETS is a list of flags
    timeout "$limit" "$bundle/encephagen" exec "experiments/$name.star" --backend cuda --out "$work/$name" ${CHECK_SETS:-} \
      >"$work/$name.out" 2>"$work/$name.err"
    erc=$?
    t1=$(date +%s.%N)
    tail -n 25 "$work/$name.out" >>"$report"
    grep -v '^\s*$' "$work/$name.err" | tail -n 5 >>"$report"
    echo "experiment $name: exit $erc, wall $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s" | tee -a "$report"
    [ "$erc" = 0 ] || rc=1
    if [ -d "$bundle/expect/$name/units" ]; then
      same=0 differ=0
      for f in "$bundle/expect/$name"/units/*/*.json; do
        g="$work/$name/units/${f#"$bundle/expect/$name/units/"}"
        if [ -f "$g" ] && diff -q <(sed -E 's/"wall_s": *[0-9.e+-]+,?//' "$f") <(sed -E 's/"wall_s": *[0-9.e+-]+,?//' "$g") >/dev/null; then
          same=$((same + 1))
        else
          differ=$((differ + 1)); echo "differs from the CPU: ${f#"$bundle/expect/"}" >>"$report"
        fi
      done
      echo "experiment $name: $same units identical to the CPU's, $differ differ" | tee -a "$report"
      [ "$differ" = 0 ] || rc=1
    fi
  done
  rm -rf "$work"
fi

{
  echo "## summary (exit status $rc, $(( $(date +%s) - start )) s)"
  grep -E '^(--- (PASS|FAIL|SKIP)|ok|PASS|FAIL|Benchmark.*ms/batch-step|experiment )' "$report" | grep -v '^    ' || true
  grep -E 'gpu_cuda_test.go:[0-9]+: (Available|cuda:|CPU )' "$report" | sed 's/^ *//' || true
} >>"$report.summary"
cat "$report.summary" >>"$report"
rm -f "$report.summary"
tail -n 40 "$report"
exit "$rc"
