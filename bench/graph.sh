#!/usr/bin/env bash
# The revision graph at scale: luamig heads/history over N revision files
# (default 10,000), against the floor of reading the same files with cat.
#   bash bench/graph.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
n=${1:-10000}
install_deps
build build
luamig=$PWD/build/luamig
dir=$(mktemp -d /tmp/luamig-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
lua5.4 bench/gen.lua "$dir" "$n" branchy
cd "$dir"
"$luamig" heads >/dev/null  # the first run writes the revision index
floor=$(time_ms 5 : sh -c 'cat migrations/versions/* >/dev/null')
version=$(time_ms 5 : "$luamig" --version)
heads=$(time_ms 5 : "$luamig" heads)
history=$(time_ms 5 : "$luamig" history)
printf 'graph benchmark, N=%s revision files (branchy), medians of 5\n' "$n"
printf '  cat of all files (floor)   %8s ms\n' "$floor"
printf '  luamig --version           %8s ms\n' "$version"
printf '  luamig heads               %8s ms   %s x floor\n' "$heads" "$(ratio "$heads" "$floor")"
printf '  luamig history             %8s ms   %s x floor\n' "$history" "$(ratio "$history" "$floor")"
