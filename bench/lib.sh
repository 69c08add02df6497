# Timing helpers for the benchmarks.
# shellcheck shell=bash

# median_ms CMD...: runs CMD 5 times (after one warm-up), prints the median
# wall time in milliseconds.
median_ms() {
  local runs=() i start end
  "$@" >/dev/null 2>&1
  for i in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    runs+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p | awk '{ printf "%.1f", $1 / 1000 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
