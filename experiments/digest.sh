#!/usr/bin/env bash
# experiments/digest.sh [BIN] — runs every experiment shrunk (1 brain per
# condition, 20 neurons per region, 10 trials or 2 rounds; a few seconds
# each) and prints one SHA-256 per experiment over its unit files (less the
# wall_s timings), report.txt, output.txt and results.json (less its
# provenance). A change that must keep
# results bit for bit (a refactor, a faster step) prints the same digests
# before and after: `make digest` at both commits and compare.
set -euo pipefail
BIN=${1:-bin/encephagen}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
small=(--set neurons_per_region=20)
learn=(--set runs=1 --set trials=10 "${small[@]}")
declare -A sets=(
  [00_hello]="--set neurons_per_region=20 --set ms=50"
  [22_eprop]="${learn[*]}"
  [23_diversity]="--set runs=1 --set rounds=2 ${small[*]}"
  [24_delays]="${learn[*]}"
  [25_erdos_renyi]="${learn[*]}"
  [26_scale500]="${learn[*]}"
  [27_orientation]="${learn[*]}"
  [28_learning_rate]="${learn[*]} --set rates=1"
  [29_attractor]="--set runs=1 --set delay_ms=200 ${small[*]}"
  [30_sequences]="--set runs=1 --set blocks=4 ${small[*]}"
  [31_multisensory]="--set runs=1 --set blocks=5 ${small[*]}"
)
for f in "$here"/[0-9][0-9]_*.star; do
  name=$(basename "$f" .star)
  args=${sets[$name]:-"--set runs=1 ${small[*]}"}
  # shellcheck disable=SC2086
  "$BIN" exec "$f" --out "$work/$name" $args >/dev/null 2>"$work/$name.err" ||
    { echo "$name: failed"; cat "$work/$name.err"; exit 1; }
  sum=$(cd "$work/$name" && {
    find units -name '*.json' 2>/dev/null | LC_ALL=C sort | while read -r u; do
      echo "$u"; sed 's/"wall_s": [0-9.]*,//' "$u"; done
    cat report.txt output.txt 2>/dev/null || true
    # results.json less its provenance (the last key: times, host, build)
    [ -f results.json ] && sed '/"provenance": {/,$d' results.json
  } | sha256sum | cut -c1-16)
  units=$( (find "$work/$name/units" -name '*.json' 2>/dev/null || true) | wc -l)
  echo "$name $sum ($units units)"
done
