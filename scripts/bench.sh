#!/usr/bin/env bash
# Runs the performance benchmarks of issue #7 and prints the median of every metric over the runs.
# docs/benchmarks.md records the figures, the machine and how to read them.
#
#   scripts/bench.sh                          # the documented run: -count 5, pkg/token, pkg/frames, pkg/transport, pkg/plugin
#   COUNT=1 BENCH=QueryData scripts/bench.sh ./pkg/plugin   # one benchmark, once
#
# Raw output goes to ${OUT:-bench.txt}. Nothing here is a test: `go test ./...` does not run benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
BENCH=${BENCH:-.}
OUT=${OUT:-bench.txt}
PKGS=("$@")
if [[ ${#PKGS[@]} -eq 0 ]]; then PKGS=(./pkg/token ./pkg/frames ./pkg/transport ./pkg/plugin); fi

{
  echo "# $(go version); $(nproc) cores; CPU:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# go test -run '^\$' -bench '$BENCH' -benchmem -count $COUNT ${PKGS[*]}"
} | tee "$OUT"
# The SDK logs JSON lines to stderr while instances are built; keep them out of the figures.
go test -run '^$' -bench "$BENCH" -benchmem -count "$COUNT" -timeout 90m "${PKGS[@]}" 2>"$OUT.stderr" |
  tee -a "$OUT"
status=${PIPESTATUS[0]}
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"

echo
echo "# medians over the runs (benchmark, unit, median)"
# A log line of the SDK can land between a benchmark's name and its figures: only number-unit pairs count.
awk '/^Benchmark/ { for (i = 3; i < NF; i++) if ($i ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ && $(i + 1) ~ /\/|^x-|MB\/s/) { print $1, $(i + 1), $i; i++ } }' "$OUT" |
  sort -s -k1,1 -k2,2 -k3,3g |
  awk '{ k = $1 " " $2; n[k]++; v[k, n[k]] = $3; if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
       END { for (i = 1; i <= m; i++) { k = order[i]; c = n[k]
               med = (c % 2) ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2
               printf "%-80s %-20s %.4g\n", substr(k, 1, index(k, " ") - 1), substr(k, index(k, " ") + 1), med } }'
exit "$status"
