#!/usr/bin/env bash
# Builds the libFuzzer harness (clang, ASan + UBSan) and fuzzes luamig's
# target/range resolution, SQL quoting, COPY encoding and the revision
# index reader for SECONDS
# (default 60), starting from fuzz/corpus/. Exits non-zero on a finding;
# the crashing input is left in fuzz/out/.
#   fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

seconds=${1:-60}
install_deps clang libclang-rt-14-dev
root=$PWD
out=$root/fuzz/out
mkdir -p "$out"
bin=$out/luamig_fuzz

say "building $bin"
# luamig.core's sources: every runtime/*.c but the program (main.c) and
# the loader of the embedded modules (embed.c), as CMakeLists.txt lists them
core_sources=$(ls runtime/*.c | grep -v -e '/main\.c$' -e '/embed\.c$')
# shellcheck disable=SC2046,SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  -DFUZZ_LUA_DIR="\"$PWD/lua\"" -DFUZZ_DIR="\"$PWD/fuzz\"" -DLUAMIG_VERSION="\"fuzz\"" -Iruntime \
  $(pkg-config --cflags lua5.4 libpq) \
  fuzz/harness.c $core_sources \
  $(pkg-config --libs lua5.4) -lpg_query -pthread -o "$bin"

# the corpus grows in a scratch copy; the seeds in the repo stay as they are
work=$(mktemp -d /tmp/luamig-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp fuzz/corpus/* "$work"/
say "fuzzing for $seconds s"
status=0
(cd "$out" && UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$bin" -max_total_time="$seconds" -max_len=1024 -timeout=10 -rss_limit_mb=2048 \
  -dict="$root/fuzz/targets.dict" -print_final_stats=1 "$work") || status=$?
if [ "$status" -ne 0 ]; then
  say "fuzz: finding (exit $status); the input is in $out (crash-*, timeout-*, leak-*)"
  exit 1
fi
say "fuzz: no finding in $seconds s"
