# What the benchmarks share: building, a private PostgreSQL, and timing.
# shellcheck shell=bash

# bench_setup: installs, builds build/luamig (sets $luamig), makes a work
# directory ($work, removed at exit unless KEEP is set) with a private
# cluster in $work/pg ($PG_DIR), and $psql, a psql command line for it.
bench_setup() {
  install_deps
  build build
  luamig=$PWD/build/luamig
  work=$(mktemp -d /tmp/luamig-bench.XXXXXX)
  chmod 755 "$work"  # the postgres user must reach $work/pg
  PG_DIR=$work/pg
  trap 'pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
  pg_start "$PG_DIR" >/dev/null
  psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p 5432 -U postgres)
}

# time_ms RUNS PREP CMD...: runs PREP (untimed; ":" for nothing) then CMD,
# RUNS times; prints the median wall time of CMD in milliseconds. Timed
# with bash's $EPOCHREALTIME, so no clock process is started inside the
# measurement.
time_ms() {
  local runs=$1 prep=$2; shift 2
  local times=() i start end
  for ((i = 0; i < runs; i++)); do
    $prep >/dev/null 2>&1
    start=${EPOCHREALTIME/[.,]/}
    "$@" >/dev/null 2>&1
    end=${EPOCHREALTIME/[.,]/}
    times+=($(( end - start )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p" | awk '{ printf "%.1f", $1 / 1000 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
